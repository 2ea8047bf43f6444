(** The network reporters over Lwt_unix sockets, for tests and for OCaml programs outside MirageOS. *)

(** A stack with the subset of [Tcpip.Stack.V4V6] the reporters use, over Lwt_unix sockets. *)
module Stack : sig
  include Umonitor_log.Net_stack.UDP_STACK
  include Umonitor_log.Net_stack.TCP_STACK with type t := t and type keepalive = unit

  val connect : unit -> t
  (** Also ignores SIGPIPE, so that a write to a closed connection is an error, not an exit. *)
end

module Udp : module type of Umonitor_log.Net.Udp (Stack)
module Tcp : module type of Umonitor_log.Net.Tcp (Stack)

val wall_clock : Umonitor_log.Session.clock
(** Timestamps from [Unix.gettimeofday]. *)
