(** What the network reporters use of a MirageOS network stack: the exact subset of
    [Tcpip.Stack.V4V6] (mirage-tcpip) they call, written from its documentation, so that the
    functors apply to a Mirage stack and to {!Umonitor_log_unix.Stack} alike. *)

(** The UDP part: a Mirage [Tcpip.Stack.V4V6] matches it as it is. *)
module type UDP_STACK = sig
  type t

  module UDP : sig
    type t
    type error

    val pp_error : error Fmt.t

    val write :
      ?src:Ipaddr.t -> ?src_port:int -> ?ttl:int -> dst:Ipaddr.t -> dst_port:int -> t ->
      Cstruct.t -> (unit, error) result Lwt.t
  end

  val udp : t -> UDP.t
end

(** The TCP part. [create_connection] takes mirage-tcpip's optional keep-alive, whose type lives
    in [Tcpip.Tcp.Keepalive] outside the stack, so the stack is given with that type named:
    [struct type keepalive = Tcpip.Tcp.Keepalive.t include S end] (what
    [Umonitor_log_mirage.Tcp] does). *)
module type TCP_STACK = sig
  type t
  type keepalive

  module TCP : sig
    type t
    type flow
    type error
    type write_error

    val pp_error : error Fmt.t
    val pp_write_error : write_error Fmt.t

    val create_connection :
      ?keepalive:keepalive -> t -> Ipaddr.t * int -> (flow, error) result Lwt.t

    val write : flow -> Cstruct.t -> (unit, write_error) result Lwt.t
    val close : flow -> unit Lwt.t
  end

  val tcp : t -> TCP.t
end
