(* The Lwt_unix stack over real loopback sockets (port 0): a collector that drops the connection
   makes the TCP reporter reconnect with a new HELLO of the same session, and the records lost in
   between show as a gap and in the GOODBYE's dropped count. *)
open Lwt.Infix
open Umonitor_log

let src = Logs.Src.create "unix.test"
module L = (val Logs.src_log src : Logs.LOG)

(* Accepts connections one after another and hands each one's bytes, read to EOF or to [close_after]
   bytes, to [on_connection]. *)
let listen () =
  let fd = Lwt_unix.socket Unix.PF_INET Unix.SOCK_STREAM 0 in
  Lwt_unix.setsockopt fd Unix.SO_REUSEADDR true;
  Lwt_unix.bind fd (Unix.ADDR_INET (Unix.inet_addr_loopback, 0)) >|= fun () ->
  Lwt_unix.listen fd 8;
  let port = match Lwt_unix.getsockname fd with Unix.ADDR_INET (_, p) -> p | _ -> assert false in
  (fd, port)

let read_some fd =
  let buf = Bytes.create 65536 in
  Lwt_unix.read fd buf 0 (Bytes.length buf) >|= fun n -> Bytes.sub_string buf 0 n

let rec read_all fd acc =
  read_some fd >>= function "" -> Lwt.return acc | s -> read_all fd (acc ^ s)

let with_timeout what seconds p =
  Lwt.pick [ p; (Lwt_unix.sleep seconds >>= fun () -> Lwt.fail_with ("timed out waiting for " ^ what)) ]

let test_reconnect () =
  Lwt_main.run
    ( listen () >>= fun (server, port) ->
      let session = Session.create ~name:"unix-test" ~session:77L () in
      let stack = Umonitor_log_unix.Stack.connect () in
      let first = Lwt_unix.accept server in
      ( Umonitor_log_unix.Tcp.create stack session Ipaddr.(V4 V4.localhost) ~port >>= function
        | Error m -> Lwt.fail_with m
        | Ok r -> Lwt.return r )
      >>= fun r ->
      Logs.set_level (Some Logs.Info);
      Logs.set_reporter (Umonitor_log_unix.Tcp.reporter r);
      with_timeout "first connection" 10. first >>= fun (c1, _) ->
      L.info (fun m -> m "before the drop");
      Umonitor_log_unix.Tcp.flush r >>= fun () ->
      (* Read until the record is there, then drop the connection as a failing collector would. *)
      let rec until_record acc =
        match Frame.decode_stream ~tcp:true acc with
        | frames, _ when List.exists (function Frame.Record _ -> true | _ -> false) frames -> Lwt.return acc
        | _ -> read_some c1 >>= fun s -> if s = "" then Lwt.return acc else until_record (acc ^ s)
      in
      with_timeout "the first record" 10. (until_record "") >>= fun got1 ->
      Lwt_unix.close c1 >>= fun () ->
      let second = Lwt_unix.accept server in
      (* Keep logging until the reporter notices and reconnects: a bounded number of records. *)
      let rec log_until_reconnected i =
        if Lwt.is_sleeping second && i < 200 then (
          L.info (fun m -> m "after the drop %d" i);
          Umonitor_log_unix.Tcp.flush r >>= fun () -> Lwt_unix.sleep 0.01 >>= fun () -> log_until_reconnected (i + 1))
        else Lwt.return i
      in
      log_until_reconnected 0 >>= fun _ ->
      with_timeout "the second connection" 10. second >>= fun (c2, _) ->
      L.info (fun m -> m "after the reconnect");
      Umonitor_log_unix.Tcp.close ~reason:"end" r >>= fun () ->
      with_timeout "the second connection to end" 10. (read_all c2 "") >>= fun got2 ->
      Lwt_unix.close c2 >>= fun () ->
      Lwt_unix.close server >|= fun () ->
      Logs.set_reporter Logs.nop_reporter;
      let frames1, _ = Frame.decode_stream ~tcp:true got1 in
      let frames2, err2 = Frame.decode_stream ~tcp:true got2 in
      Check.check "first connection: HELLO then record 0"
        (match frames1 with [ Frame.Hello { session = 77L; _ }; Frame.Record { sequence = 0L; _ } ] -> true | _ -> false)
        (lazy "first connection");
      Check.check "second connection decodes" (err2 = None) (lazy (Fmt.str "%a" Fmt.(option Frame.pp_error) err2));
      let records = List.filter_map (function Frame.Record r -> Some r | _ -> None) frames2 in
      let produced = Session.produced session in
      Check.check "second connection: HELLO of the same session first"
        (match frames2 with Frame.Hello { session = 77L; name = "unix-test"; _ } :: _ -> true | _ -> false) (lazy "hello");
      Check.check "second connection: later records in order, the last one included"
        (records <> [] && List.for_all2 (fun a b -> Int64.compare a.Frame.sequence b.Frame.sequence < 0)
                            (List.filteri (fun i _ -> i < List.length records - 1) records) (List.tl records)
         && (List.nth records (List.length records - 1)).Frame.message = "after the reconnect")
        (lazy "records");
      (* A write the kernel accepted before the peer's reset is lost without an error, so the client
         counts at least the failed write; the receiver finds all of it from the sequence gap. *)
      Check.check "GOODBYE accounts for every record"
        (match List.rev frames2 with
         | Frame.Goodbye { produced = p; dropped = d; reason = "end" } :: _ ->
             p = produced && d >= 1L && Int64.add d (Int64.of_int (1 + List.length records)) <= p
         | _ -> false)
        (lazy (Printf.sprintf "produced %Ld, records %d" produced (List.length records))) )

let () =
  Check.run "reconnect" test_reconnect;
  Check.finish "unix"
