(* A stand-in for mirage-tcpip's [Tcpip] (not installable here), restating its public signatures
   from their documentation in full, not just the subset the reporters use, so that compiling
   Umonitor_log_mirage and the example unikernel against it shows the functors apply to a real
   Mirage stack. Only types matter: nothing here runs. *)

module Tcp = struct
  module Keepalive = struct
    type t = { after : int64; interval : int64; probes : int }
  end
end

module Stack = struct
  module type V4V6 = sig
    type t

    val disconnect : t -> unit Lwt.t

    module UDP : sig
      type error
      val pp_error : error Fmt.t
      type ipaddr = Ipaddr.t
      type t
      val disconnect : t -> unit Lwt.t
      type callback = src:ipaddr -> dst:ipaddr -> src_port:int -> Cstruct.t -> unit Lwt.t
      val listen : t -> port:int -> callback -> unit
      val unlisten : t -> port:int -> unit
      val input : t -> src:ipaddr -> dst:ipaddr -> Cstruct.t -> unit Lwt.t
      val write :
        ?src:ipaddr -> ?src_port:int -> ?ttl:int -> dst:ipaddr -> dst_port:int -> t -> Cstruct.t ->
        (unit, error) result Lwt.t
    end

    module TCP : sig
      type error = private [> `Timeout | `Refused ]
      type write_error = private [> `Timeout | `Refused | `Closed ]
      type ipaddr = Ipaddr.t
      type flow
      type t
      val disconnect : t -> unit Lwt.t
      val pp_error : error Fmt.t
      val pp_write_error : write_error Fmt.t
      val read : flow -> ([ `Data of Cstruct.t | `Eof ], error) result Lwt.t
      val write : flow -> Cstruct.t -> (unit, write_error) result Lwt.t
      val writev : flow -> Cstruct.t list -> (unit, write_error) result Lwt.t
      val shutdown : flow -> [ `read | `write | `read_write ] -> unit Lwt.t
      val close : flow -> unit Lwt.t
      val dst : flow -> ipaddr * int
      val write_nodelay : flow -> Cstruct.t -> (unit, write_error) result Lwt.t
      val writev_nodelay : flow -> Cstruct.t list -> (unit, write_error) result Lwt.t
      val create_connection : ?keepalive:Tcp.Keepalive.t -> t -> ipaddr * int -> (flow, error) result Lwt.t
      val listen : t -> port:int -> ?keepalive:Tcp.Keepalive.t -> (flow -> unit Lwt.t) -> unit
      val unlisten : t -> port:int -> unit
      val input : t -> src:ipaddr -> dst:ipaddr -> Cstruct.t -> unit Lwt.t
    end

    module IP : sig
      type t
    end

    val udp : t -> UDP.t
    val tcp : t -> TCP.t
    val ip : t -> IP.t
    val listen : t -> unit Lwt.t
  end
end
