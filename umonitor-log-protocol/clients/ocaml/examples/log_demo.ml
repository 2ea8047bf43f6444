(* Logs a fixed script through the umonitor reporter, the way an unmodified Logs user would, so
   that a receiver can check every record: log_demo (tcp|udp|console|console+tcp) HOST PORT NAME
   TOKEN. console+tcp logs one record to the console before the TCP reporter takes over.
   The script (sequence, level, logger, message, attributes) is in OcamlClientLoopbackIT. *)
open Lwt.Infix

let app_src = Logs.Src.create "demo.app" ~doc:"the demo's main component"
let db_src = Logs.Src.create "demo.db" ~doc:"a second component"

module App = (val Logs.src_log app_src : Logs.LOG)
module Db = (val Logs.src_log db_src : Logs.LOG)

let user = Logs.Tag.def "user" Fmt.string
let attempt = Logs.Tag.def "attempt" Fmt.int

let script () =
  Logs.app (fun m -> m "application started");
  App.info (fun m -> m "request %d served in %.1f ms" 7 2.5);
  App.warn (fun m -> m "slow request" ~tags:Logs.Tag.(empty |> add user "alice" |> add attempt 3));
  Db.err (fun m -> m "connection lost: %s" "timeout");
  Db.debug (fun m -> m "pool size %d" 4);
  App.info (fun m -> m ~header:"hdr" "unicode h\xc3\xa9llo \xe2\x9c\x93");
  (* Invalid UTF-8 from the application reaches the collector repaired, not rejected. *)
  App.info (fun m -> m "bad byte \xff end")

let () =
  match Sys.argv with
  | [| _; transport; host; port; name; token |] ->
      let port = int_of_string port in
      let dst = Ipaddr.of_string_exn host in
      Logs.set_level (Some Logs.Debug);
      let session =
        Umonitor_log.Session.create ~name ~token ~clock:Umonitor_log_unix.wall_clock ~session:0x1234_5678L ()
      in
      let run =
        match transport with
        | "console" ->
            print_string "ordinary console text before the reporter\n";
            Logs.set_reporter (Umonitor_log.Reporter.console session);
            script ();
            print_string (Umonitor_log.Frame.console_line (Umonitor_log.Session.goodbye ~reason:"exit" session));
            Lwt.return_unit
        | "udp" ->
            let stack = Umonitor_log_unix.Stack.connect () in
            let r = Umonitor_log_unix.Udp.create stack session dst ~port in
            Logs.set_reporter (Umonitor_log_unix.Udp.reporter r);
            script ();
            Umonitor_log_unix.Udp.close ~reason:"exit" r
        | "tcp" | "console+tcp" -> (
            if transport = "console+tcp" then begin
              (* As a unikernel does before its network is up: the same session on the console. *)
              Logs.set_reporter (Umonitor_log.Reporter.console session);
              Logs.info (fun m -> m "network not up yet")
            end;
            let stack = Umonitor_log_unix.Stack.connect () in
            Umonitor_log_unix.Tcp.create stack session dst ~port >>= function
            | Error msg -> prerr_endline msg; exit 3
            | Ok r ->
                Logs.set_reporter (Umonitor_log_unix.Tcp.reporter r);
                script ();
                Umonitor_log_unix.Tcp.close ~reason:"exit" r)
        | t -> prerr_endline ("log_demo: unknown transport " ^ t ^ "; use tcp, udp, console or console+tcp"); exit 2
      in
      Lwt_main.run run
  | _ ->
      prerr_endline "usage: log_demo (tcp|udp|console|console+tcp) HOST PORT NAME TOKEN";
      exit 2
