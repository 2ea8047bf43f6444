(** Network reporters in the shape of logs-syslog's MirageOS reporters: functors over the network
    stack, [create] gives the state whose {!reporter} to install with [Logs.set_reporter].

    Records queue (bounded) and one Lwt thread per reporter sends them; a full queue or a failed
    send drops records and counts them, and the receiver sees the gap in the sequence numbers
    (PROTOCOL.md section 7). Records logged while the reporter is itself logging (a stack that logs
    from inside a send) go to the console instead of feeding back into the network. *)

module Udp (S : Net_stack.UDP_STACK) : sig
  type t

  val create :
    ?console:(string -> unit) -> ?queue:int -> ?max_datagram:int -> S.t -> Session.t ->
    Ipaddr.t -> port:int -> t
  (** Sends to [dst:port]. Each datagram is the HELLO and as many records as fit in
      [max_datagram] bytes (default 1472, an Ethernet MTU; at most 65507). [queue] (default 1024)
      bounds the records waiting. *)

  val reporter : t -> Logs.reporter
  val flush : t -> unit Lwt.t
  (** Resolves once every record logged so far is sent or dropped. *)

  val close : ?reason:string -> t -> unit Lwt.t
  (** Flushes, then sends the GOODBYE. Records logged after it are dropped. *)
end

module Tcp (S : Net_stack.TCP_STACK) : sig
  type t

  val create :
    ?console:(string -> unit) -> ?queue:int -> S.t -> Session.t -> Ipaddr.t -> port:int ->
    (t, string) result Lwt.t
  (** Connects to [dst:port] and sends the HELLO; [Error] says why the connection failed. After
      a write error the connection is closed, the records in that write counted dropped, and the
      next record reconnects and sends the HELLO again with the same session. *)

  val reporter : t -> Logs.reporter
  val flush : t -> unit Lwt.t
  val close : ?reason:string -> t -> unit Lwt.t
  (** Flushes, sends the GOODBYE and closes the connection. *)
end
