(* Logs through umonitor: to the console while the network comes up, then over TCP or UDP to the
   collector. The Logs calls themselves are ordinary: nothing in them knows about umonitor. *)
open Lwt.Infix
open Cmdliner

let arg ~doc name kind default = Mirage_runtime.register_arg Arg.(value & opt kind default & info ~doc [ name ])
let collector = arg ~doc:"The umonitor collector's IP address." "collector" Arg.string "10.0.0.1"
let port = arg ~doc:"The umonitor collector's port." "collector-port" Arg.int 5514
let transport = arg ~doc:"tcp or udp." "transport" Arg.string "tcp"
let name = arg ~doc:"This unikernel's name as umonitor knows it." "name" Arg.string "umonitor-demo"
let token = arg ~doc:"The token umonitor handed this unikernel (--umonitor-token)." "umonitor-token" Arg.string ""

let src = Logs.Src.create "demo.worker" ~doc:"the demo's worker"
module Log = (val Logs.src_log src : Logs.LOG)
let iteration = Logs.Tag.def "iteration" Fmt.int

module Main (S : Tcpip.Stack.V4V6) = struct
  module Udp = Umonitor_log_mirage.Udp (S)
  module Tcp = Umonitor_log_mirage.Tcp (S)

  let start stack =
    let session =
      Umonitor_log.Session.create ~name:(name ()) ~token:(token ()) ~clock:(`Monotonic Mirage_mtime.elapsed_ns) ()
    in
    (* The console reaches umonitor before (and without) any network. *)
    Logs.set_reporter (Umonitor_log.Reporter.console session);
    Logs.info (fun m -> m "starting; collector %s:%d over %s" (collector ()) (port ()) (transport ()));
    let dst = Ipaddr.of_string_exn (collector ()) in
    (match transport () with
     | "udp" ->
         let r = Udp.create stack session dst ~port:(port ()) in
         Logs.set_reporter (Udp.reporter r);
         Lwt.return (fun () -> Udp.close ~reason:"exit" r)
     | _ -> (
         Tcp.create stack session dst ~port:(port ()) >|= function
         | Ok r ->
             Logs.set_reporter (Tcp.reporter r);
             fun () -> Tcp.close ~reason:"exit" r
         | Error msg ->
             Logs.warn (fun m -> m "staying on the console: %s" msg);
             fun () -> Lwt.return_unit))
    >>= fun close ->
    let rec loop i =
      if i = 5 then Lwt.return_unit
      else begin
        Log.info (fun m -> m "working" ~tags:(Logs.Tag.add iteration i Logs.Tag.empty));
        if i = 3 then Log.warn (fun m -> m "iteration %d was slow" i);
        Mirage_sleep.ns 1_000_000_000L >>= fun () -> loop (i + 1)
      end
    in
    loop 0 >>= fun () ->
    Logs.app (fun m -> m "done");
    close ()
end
