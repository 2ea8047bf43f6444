(* Records logged just before the program ends arrive, with the GOODBYE, however it ends: [exit]
   from inside Lwt_main.run, an exception escaping Lwt_main.run, or an exception in an Lwt.async
   thread. Each case is a real child process (this executable run with a mode) logging to a real
   loopback collector that is this process. *)
open Lwt.Infix
open Umonitor_log

let src = Logs.Src.create "exit.test"
module L = (val Logs.src_log src : Logs.LOG)

let messages = [ "loading configuration"; "configuration has 3 invalid entries"; "configuration is corrupt, aborting" ]

(* The child: opens a reporter to 127.0.0.1:PORT, logs the three records and ends as [mode] says,
   without closing the reporter itself. *)
let child transport mode port =
  let session = Session.create ~name:"exit-test" ~session:99L () in
  let stack = Umonitor_log_unix.Stack.connect () in
  let dst = Ipaddr.(V4 V4.localhost) in
  Logs.set_level (Some Logs.Info);
  Lwt_main.run
    ( (match transport with
       | "udp" -> Lwt.return (Umonitor_log_unix.Udp.reporter (Umonitor_log_unix.Udp.create stack session dst ~port))
       | _ -> (
           Umonitor_log_unix.Tcp.create stack session dst ~port >>= function
           | Ok r -> Lwt.return (Umonitor_log_unix.Tcp.reporter r)
           | Error m -> prerr_endline m; exit 9))
      >>= fun reporter ->
      Logs.set_reporter reporter;
      L.info (fun m -> m "%s" (List.nth messages 0));
      L.err (fun m -> m "%s" (List.nth messages 1));
      L.err (fun m -> m "%s" (List.nth messages 2));
      match mode with
      | "exit" -> exit 3
      | "raise" -> failwith "configuration is corrupt"
      | _ ->
          Lwt.async (fun () -> Lwt.pause () >>= fun () -> failwith "worker failed");
          Lwt_unix.sleep 10. )

let read_tcp server =
  Lwt_unix.accept server >>= fun (c, _) ->
  let buf = Bytes.create 65536 in
  let rec go acc =
    Lwt_unix.read c buf 0 (Bytes.length buf) >>= function
    | 0 -> Lwt_unix.close c >|= fun () -> acc
    | n -> go (acc ^ Bytes.sub_string buf 0 n)
  in
  go "" >|= fun bytes -> fst (Frame.decode_stream ~tcp:true bytes)

(* Datagrams until 500 ms pass without one after the child ended; each is HELLO + frames. *)
let read_udp server child_done =
  let buf = Bytes.create 65536 in
  let rec go acc =
    Lwt.pick
      [ (Lwt_unix.recv server buf 0 (Bytes.length buf) [] >|= fun n -> Some (Bytes.sub_string buf 0 n));
        (Lwt.protected child_done >>= fun () -> Lwt_unix.sleep 0.5 >|= fun () -> None) ]
    >>= function
    | None -> Lwt.return acc
    | Some d -> (
        match Frame.decode_datagram d with
        | Ok (Frame.Hello _ :: frames) -> go (acc @ frames)
        | _ -> go acc)
  in
  go []

let run_child transport mode =
  let kind = if transport = "udp" then Unix.SOCK_DGRAM else Unix.SOCK_STREAM in
  let server = Lwt_unix.socket Unix.PF_INET kind 0 in
  Lwt_main.run
    ( Lwt_unix.bind server (Unix.ADDR_INET (Unix.inet_addr_loopback, 0)) >>= fun () ->
      if kind = Unix.SOCK_STREAM then Lwt_unix.listen server 4;
      let port = match Lwt_unix.getsockname server with Unix.ADDR_INET (_, p) -> p | _ -> assert false in
      (* The child's "Fatal error: exception ..." is expected; keep it out of the build's output. *)
      let quiet = Unix.openfile "/dev/null" [ Unix.O_WRONLY ] 0 in
      let pid =
        Unix.create_process Sys.executable_name
          [| Sys.executable_name; "child"; transport; mode; string_of_int port |]
          Unix.stdin Unix.stdout quiet
      in
      Unix.close quiet;
      let status = Lwt_unix.waitpid [] pid >|= snd in
      let frames =
        if kind = Unix.SOCK_STREAM then read_tcp server else read_udp server (status >|= fun _ -> ())
      in
      Lwt.pick [ (frames >|= Option.some); (Lwt_unix.sleep 20. >|= fun () -> None) ] >>= fun frames ->
      status >>= fun status -> Lwt_unix.close server >|= fun () -> (Option.value frames ~default:[], status) )

let check_case transport mode expected_status =
  let frames, status = run_child transport mode in
  let records = List.filter_map (function Frame.Record r -> Some r.Frame.message | _ -> None) frames in
  let goodbye = List.filter_map (function Frame.Goodbye g -> Some g | _ -> None) frames in
  let what = transport ^ " " ^ mode in
  Printf.printf "exit test %s: %d of 3 records, %d GOODBYE\n%!" what
    (List.length (List.filter (fun m -> List.mem m messages) records)) (List.length goodbye);
  Check.check (what ^ ": the three records, in order") (records = messages)
    (lazy (String.concat " | " records));
  Check.check (what ^ ": one GOODBYE counting 3 records")
    (match goodbye with [ { Frame.produced = 3L; reason = "exit"; _ } ] -> true | _ -> false)
    (lazy (Printf.sprintf "%d GOODBYE frames" (List.length goodbye)));
  Check.check (what ^ ": the exit status is the program's own") (status = Unix.WEXITED expected_status)
    (lazy (match status with
           | Unix.WEXITED n -> Printf.sprintf "exited %d" n
           | Unix.WSIGNALED n -> Printf.sprintf "signal %d" n
           | Unix.WSTOPPED n -> Printf.sprintf "stopped %d" n))

let () =
  match Sys.argv with
  | [| _; "child"; transport; mode; port |] -> child transport mode (int_of_string port)
  | _ ->
      (* OCaml exits with 2 after an uncaught exception; Lwt's async exception hook exits with 2. *)
      List.iter
        (fun (transport, mode, status) ->
          Check.run (transport ^ " " ^ mode) (fun () -> check_case transport mode status))
        [ ("tcp", "exit", 3); ("tcp", "raise", 2); ("tcp", "async", 2); ("udp", "exit", 3); ("udp", "raise", 2) ];
      Check.finish "exit"
