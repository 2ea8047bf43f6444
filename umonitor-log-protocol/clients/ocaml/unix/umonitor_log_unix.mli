(** The network reporters over Lwt_unix sockets, for tests and for OCaml programs outside MirageOS. *)

(** A stack with the subset of [Tcpip.Stack.V4V6] the reporters use, over Lwt_unix sockets. *)
module Stack : sig
  include Umonitor_log.Net_stack.UDP_STACK
  include Umonitor_log.Net_stack.TCP_STACK with type t := t and type keepalive = unit

  val connect : unit -> t
  (** Also ignores SIGPIPE, so that a write to a closed connection is an error, not an exit. *)
end

(** [Udp] and [Tcp] are {!Umonitor_log.Net.Udp} and {!Umonitor_log.Net.Tcp} over {!Stack}, whose
    [create] also registers an exit hook (Lwt_main.at_exit): when the program ends, by [exit], by
    returning, or by an exception that escapes Lwt_main.run or an Lwt.async thread, the records still
    queued are sent and the GOODBYE "exit" follows them (within 2 s), unless [close] was called
    before. *)
module Udp : module type of Umonitor_log.Net.Udp (Stack)
module Tcp : module type of Umonitor_log.Net.Tcp (Stack)

val wall_clock : Umonitor_log.Session.clock
(** Timestamps from [Unix.gettimeofday]. *)
