(* The Logs reporter, the session and the network functors, over in-memory stacks (the real
   sockets are exercised by the Java OcamlClientLoopbackIT and by test_unix). *)
open Umonitor_log
open Lwt.Infix

let records_of frames = List.filter_map (function Frame.Record r -> Some r | _ -> None) frames
let check = Check.check

let contains s sub =
  let n = String.length s and k = String.length sub in
  let rec go i = i + k <= n && (String.sub s i k = sub || go (i + 1)) in
  go 0

let capture () =
  let sent = ref [] and nested = ref [] in
  let session = Session.create ~name:"unit" ~session:42L () in
  let r = Reporter.make session ~send:(fun f -> sent := f :: !sent) ~nested:(fun f -> nested := f :: !nested) in
  (session, r, sent, nested)

let with_reporter r f =
  let old = Logs.reporter () and old_level = Logs.level () in
  Logs.set_reporter r;
  Logs.set_level (Some Logs.Debug);
  Fun.protect ~finally:(fun () -> Logs.set_reporter old; Logs.set_level old_level) f

let src = Logs.Src.create "unit.component"
module L = (val Logs.src_log src : Logs.LOG)
let user = Logs.Tag.def "user" Fmt.string
let count = Logs.Tag.def "count" Fmt.int

let test_levels () =
  let _, r, sent, _ = capture () in
  with_reporter r (fun () ->
      Logs.app (fun m -> m "app");
      L.err (fun m -> m "err %d" 1);
      L.warn (fun m -> m "warn");
      L.info (fun m -> m "info" ~tags:Logs.Tag.(empty |> add user "bob" |> add count 2));
      L.debug (fun m -> m ~header:"H" "debug"));
  let rs = records_of (List.rev !sent) in
  let got = List.map (fun (r : Frame.record) -> (r.sequence, r.level, r.logger, r.message)) rs in
  let expected =
    [ (0L, Frame.Info, "application", "app"); (1L, Frame.Error, "unit.component", "err 1");
      (2L, Frame.Warn, "unit.component", "warn"); (3L, Frame.Info, "unit.component", "info");
      (4L, Frame.Debug, "unit.component", "debug") ]
  in
  check "levels, loggers, messages, sequences" (got = expected) (lazy "records differ");
  let attrs = List.map (fun (r : Frame.record) -> r.attributes) rs in
  check "tags become string attributes" (List.nth attrs 3 = [ ("user", Frame.String "bob"); ("count", Frame.String "2") ]
    || List.nth attrs 3 = [ ("count", Frame.String "2"); ("user", Frame.String "bob") ])
    (lazy "tags");
  check "header becomes an attribute" (List.nth attrs 4 = [ ("header", Frame.String "H") ]) (lazy "header");
  check "no clock means NONE and 0" (List.for_all (fun (r : Frame.record) -> r.clock = Frame.No_clock && r.timestamp = 0L) rs) (lazy "clock")

let test_level_function () =
  check "Reporter.level" (List.map Reporter.level Logs.[ App; Error; Warning; Info; Debug ]
                          = Frame.[ Info; Error; Warn; Info; Debug ]) (lazy "mapping")

(* A send that logs (as a network stack may from inside a write) must not recurse. *)
let test_nested_guard () =
  let sent = ref [] and nested = ref [] in
  let session = Session.create ~name:"unit" () in
  let r =
    Reporter.make session
      ~send:(fun f -> sent := f :: !sent; L.info (fun m -> m "from inside send"))
      ~nested:(fun f -> nested := f :: !nested)
  in
  with_reporter r (fun () -> L.info (fun m -> m "outer"));
  check "outer sent" (List.length !sent = 1) (lazy "sent");
  check "inner diverted" (match !nested with [ Frame.Record { message = "from inside send"; sequence = 1L; _ } ] -> true | _ -> false) (lazy "nested");
  check "sequence counts both" (Session.produced session = 2L) (lazy "produced")

let test_limits () =
  let session = Session.create ~name:"unit" () in
  let huge = String.make 70000 'x' in
  let r = Session.record session ~level:Frame.Info ~logger:(String.make 300 'l') ~attributes:[ ("", Frame.Null); ("k", Frame.String "\xff") ] huge in
  let bytes = Frame.encode (Frame.Record r) in
  check "huge message fits one frame" (String.length bytes = Frame.max_frame_length) (lazy (string_of_int (String.length bytes)));
  check "logger cut to 255" (String.length r.logger = 255) (lazy "logger");
  check "empty key dropped, bad UTF-8 repaired" (r.attributes = [ ("k", Frame.String "\xef\xbf\xbd") ]) (lazy "attributes");
  match Frame.decode_stream bytes with
  | [ Frame.Record d ], None -> check "decodes back" (d = r) (lazy "differs")
  | _, e -> check "decodes back" false (lazy (Fmt.str "%a" Fmt.(option Frame.pp_error) e))

let test_primitives () =
  check "CRC-32 check value" (Crc32.digest "123456789" = 0xCBF43926) (lazy (Printf.sprintf "%08x" (Crc32.digest "123456789")));
  List.iter
    (fun s -> check ("base64 round trip " ^ s) (Base64.decode (Base64.encode s) = Ok s) (lazy s))
    [ ""; "f"; "fo"; "foo"; "foob"; "fooba"; "foobar"; "\000\255\128" ];
  check "base64 RFC vector" (Base64.encode "foobar" = "Zm9vYmFy" && Base64.encode "fo" = "Zm8=") (lazy "encode");
  List.iter
    (fun s -> check ("base64 rejects " ^ s) (Result.is_error (Base64.decode s)) (lazy s))
    [ "Zm8"; "Zm=v"; "Zm9=="; "Zh=="; "Z!=="; "====" ];
  check "base64 accepts Zg==" (Base64.decode "Zg==" = Ok "f") (lazy "Zg")

(* In-memory stacks with the subset's signatures. *)
module Fake_tcp = struct
  type t = { mutable connections : Buffer.t list; mutable fail_next_write : bool; mutable refuse : bool }
  type keepalive = unit

  module TCP = struct
    type nonrec t = t
    type flow = { buf : Buffer.t; mutable open_ : bool }
    type error = [ `Refused ]
    type write_error = [ `Closed ]

    let pp_error ppf `Refused = Fmt.string ppf "refused"
    let pp_write_error ppf `Closed = Fmt.string ppf "closed"

    let create_connection ?keepalive:_ t _ =
      if t.refuse then Lwt.return (Error `Refused)
      else
        let buf = Buffer.create 64 in
        t.connections <- t.connections @ [ buf ];
        Lwt.return (Ok { buf; open_ = true })

    let write flow data =
      Lwt.pause () >|= fun () ->
      ignore flow;
      if not flow.open_ then Error `Closed
      else (Buffer.add_string flow.buf (Cstruct.to_string data); Ok ())

    let close flow = flow.open_ <- false; Lwt.return_unit
  end

  let tcp t = t
end

module T = Net.Tcp (Fake_tcp)

let test_tcp_connect () =
  let stack = { Fake_tcp.connections = []; fail_next_write = false; refuse = false } in
  let session = Session.create ~name:"tcp-unit" ~session:7L () in
  Lwt_main.run
    ( T.create stack session Ipaddr.(V4 V4.localhost) ~port:1 >>= function
      | Error m -> check "connect" false (lazy m); Lwt.return_unit
      | Ok t ->
          with_reporter (T.reporter t) (fun () -> L.info (fun m -> m "one"); L.info (fun m -> m "two"));
          T.flush t );
  check "connection has HELLO and two records"
    (match Frame.decode_stream ~tcp:true (Buffer.contents (List.hd stack.connections)) with
     | [ Frame.Hello { session = 7L; _ }; Frame.Record { sequence = 0L; _ }; Frame.Record { sequence = 1L; _ } ], None -> true
     | _ -> false)
    (lazy "first connection");
  stack.refuse <- true;
  let refused = Lwt_main.run (T.create stack session Ipaddr.(V4 V4.localhost) ~port:1) in
  check "refused connection is an Error naming the address"
    (match refused with Error m -> contains m "127.0.0.1:1" | Ok _ -> false) (lazy "refused")

(* A write error closes the flow; the next record reconnects with a fresh HELLO of the same session. *)
module Flaky = struct
  include Fake_tcp
  let fail_writes = ref 0
  module TCP = struct
    include Fake_tcp.TCP
    let write flow data = if !fail_writes > 0 then (decr fail_writes; Lwt.return (Error `Closed)) else write flow data
  end
end

module F = Net.Tcp (Flaky)

let test_tcp_write_error () =
  let stack = { Fake_tcp.connections = []; fail_next_write = false; refuse = false } in
  let session = Session.create ~name:"tcp-unit" ~session:9L () in
  (match Lwt_main.run (F.create stack session Ipaddr.(V4 V4.localhost) ~port:1) with
   | Error m -> check "connect" false (lazy m)
   | Ok t ->
       with_reporter (F.reporter t) (fun () ->
           Lwt_main.run
             ( L.info (fun m -> m "r0");
               F.flush t >>= fun () ->
               Flaky.fail_writes := 1;
               L.info (fun m -> m "r1 lost");
               F.flush t >>= fun () ->
               L.info (fun m -> m "r2");
               F.flush t >>= fun () -> F.close ~reason:"done" t )));
  let decoded = List.map (fun b -> Frame.decode_stream ~tcp:true (Buffer.contents b)) stack.connections in
  let seqs frames = List.map (fun (r : Frame.record) -> r.sequence) (records_of frames) in
  check "two connections" (List.length decoded = 2) (lazy (string_of_int (List.length decoded)));
  (match decoded with
   | [ (c1, None); (c2, None) ] ->
       check "first: HELLO, r0" (seqs c1 = [ 0L ] && (match c1 with Frame.Hello _ :: _ -> true | _ -> false)) (lazy "c1");
       check "second: HELLO again, r2, GOODBYE counting the drop"
         (match c2 with
          | [ Frame.Hello { session = 9L; _ }; Frame.Record { sequence = 2L; _ }; Frame.Goodbye { produced = 3L; dropped = 1L; reason = "done" } ] -> true
          | _ -> false)
         (lazy (String.concat "," (List.map (fun f -> Yojson.Safe.to_string (Vector_json.to_json f)) c2)))
   | _ -> check "connections decode" false (lazy "decode error"))

(* With the collector gone, each record is dropped and counted, the reason said once, and the
   reporter reconnects when the collector is back. *)
let test_tcp_outage () =
  let stack = { Fake_tcp.connections = []; fail_next_write = false; refuse = false } in
  let session = Session.create ~name:"tcp-unit" () in
  let console = Buffer.create 64 in
  match Lwt_main.run (F.create ~console:(Buffer.add_string console) stack session Ipaddr.(V4 V4.localhost) ~port:1) with
  | Error m -> check "connect" false (lazy m)
  | Ok t ->
      with_reporter (F.reporter t) (fun () ->
          Lwt_main.run
            ( Flaky.fail_writes := 1;
              stack.refuse <- true;
              L.info (fun m -> m "lost in the failed write");
              F.flush t >>= fun () ->
              L.info (fun m -> m "refused 1");
              F.flush t >>= fun () ->
              L.info (fun m -> m "refused 2");
              F.flush t >>= fun () ->
              stack.refuse <- false;
              L.info (fun m -> m "back");
              F.flush t ));
      let lines = List.filter (( <> ) "") (String.split_on_char '\n' (Buffer.contents console)) in
      check "outage said once" (List.length lines = 1 && contains (List.hd lines) "refused") (lazy (Buffer.contents console));
      check "three records dropped" (Session.dropped session = 3L) (lazy (Int64.to_string (Session.dropped session)));
      check "reconnected with HELLO and the next record"
        (match Frame.decode_stream ~tcp:true (Buffer.contents (List.nth stack.connections 1)) with
         | [ Frame.Hello _; Frame.Record { sequence = 3L; message = "back"; _ } ], None -> true
         | _ -> false)
        (lazy "second connection")

module Fake_udp = struct
  type t = { mutable datagrams : string list }
  module UDP = struct
    type nonrec t = t
    type error = unit
    let pp_error ppf () = Fmt.string ppf "error"
    let write ?src:_ ?src_port:_ ?ttl:_ ~dst:_ ~dst_port:_ t buf =
      (* Yield like a real stack, so that records queue up behind the first send. *)
      Lwt.pause () >|= fun () -> t.datagrams <- t.datagrams @ [ Cstruct.to_string buf ]; Ok ()
  end
  let udp t = t
end

module U = Net.Udp (Fake_udp)

let test_udp_packing () =
  let stack = { Fake_udp.datagrams = [] } in
  let session = Session.create ~name:"udp-unit" ~session:5L () in
  let t = U.create ~max_datagram:200 stack session Ipaddr.(V4 V4.localhost) ~port:1 in
  with_reporter (U.reporter t) (fun () ->
      Lwt_main.run
        ( for i = 0 to 9 do L.info (fun m -> m "record number %d" i) done;
          U.close ~reason:"bye" t ));
  let decoded = List.map Frame.decode_datagram stack.Fake_udp.datagrams in
  check "every datagram valid" (List.for_all Result.is_ok decoded) (lazy "invalid datagram");
  check "each datagram at most 200 bytes" (List.for_all (fun d -> String.length d <= 200) stack.datagrams) (lazy "size");
  let all = List.concat_map (function Ok f -> f | Error _ -> []) decoded in
  check "all ten records in order" (List.map (fun (r : Frame.record) -> r.sequence) (records_of all) = List.init 10 Int64.of_int) (lazy "seqs");
  check "several records per datagram" (List.length stack.datagrams < 11) (lazy (string_of_int (List.length stack.datagrams)));
  check "GOODBYE last" (match List.rev all with Frame.Goodbye { produced = 10L; dropped = 0L; _ } :: _ -> true | _ -> false) (lazy "goodbye")

(* A stack that raises instead of returning an error must not stop the reporter for good. *)
module Raising_udp = struct
  type t = { mutable raise_next : bool; mutable datagrams : int }
  module UDP = struct
    type nonrec t = t
    type error = unit
    let pp_error ppf () = Fmt.string ppf "error"
    let write ?src:_ ?src_port:_ ?ttl:_ ~dst:_ ~dst_port:_ t _ =
      Lwt.pause () >>= fun () ->
      if t.raise_next then (t.raise_next <- false; Lwt.fail_with "boom")
      else (t.datagrams <- t.datagrams + 1; Lwt.return (Ok ()))
  end
  let udp t = t
end

module R = Net.Udp (Raising_udp)

let test_sender_exception () =
  let stack = { Raising_udp.raise_next = true; datagrams = 0 } in
  let session = Session.create ~name:"udp-unit" () in
  let console = Buffer.create 64 in
  let t = R.create ~console:(Buffer.add_string console) stack session Ipaddr.(V4 V4.localhost) ~port:1 in
  with_reporter (R.reporter t) (fun () ->
      Lwt_main.run
        ( L.info (fun m -> m "lost");
          R.flush t >>= fun () ->
          L.info (fun m -> m "sent");
          R.flush t ));
  check "the failure is on the console" (contains (Buffer.contents console) "boom") (lazy (Buffer.contents console));
  check "the lost record is counted" (Session.dropped session = 1L) (lazy (Int64.to_string (Session.dropped session)));
  check "the next record is sent" (stack.datagrams = 1) (lazy (string_of_int stack.datagrams))

let () =
  List.iter
    (fun (name, f) -> Check.run name f)
    [ ("levels", test_levels); ("level function", test_level_function); ("nested guard", test_nested_guard);
      ("limits", test_limits); ("primitives", test_primitives); ("tcp", test_tcp_connect);
      ("tcp write error", test_tcp_write_error); ("tcp outage", test_tcp_outage); ("udp packing", test_udp_packing); ("sender exception", test_sender_exception) ];
  Check.finish "reporter"
