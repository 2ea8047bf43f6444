(** The umonitor reporters over a MirageOS network stack, in the shape of logs-syslog's
    [Logs_syslog_mirage]:
{[
module Main (S : Tcpip.Stack.V4V6) = struct
  module R = Umonitor_log_mirage.Tcp (S)
  let start stack =
    let session = Umonitor_log.Session.create ~name:"my-unikernel" ~token () in
    Logs.set_reporter (Umonitor_log.Reporter.console session);   (* before the network *)
    R.create stack session collector ~port >>= function
    | Ok r -> Logs.set_reporter (R.reporter r); ...
    | Error msg -> ... (* stays on the console *)
end
]} *)

module Udp (S : Tcpip.Stack.V4V6) = Umonitor_log.Net.Udp (S)

(* The keep-alive type of [S.TCP.create_connection] lives outside the stack; name it for the
   functor (see Umonitor_log.Net_stack.TCP_STACK). *)
module Tcp (S : Tcpip.Stack.V4V6) =
  Umonitor_log.Net.Tcp (struct
    type keepalive = Tcpip.Tcp.Keepalive.t

    include S
  end)
