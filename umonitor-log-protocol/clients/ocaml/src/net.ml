open Lwt.Infix

(* What both transports share: the bounded queue, the single sender thread, the idle signal for
   [flush], and the diversion of nested records to the console. *)
module Pump = struct
  type t = {
    session : Session.t;
    queue : Frame.t Queue.t;
    limit : int;
    mutable running : bool;
    mutable closed : bool;
    idle : unit Lwt_condition.t;
    console : string -> unit;
  }

  let create ?(console = Reporter.default_out) ?(queue = 1024) session =
    { session; queue = Queue.create (); limit = max 1 queue; running = false; closed = false;
      idle = Lwt_condition.create (); console }

  let drop_all p =
    Session.note_dropped p.session (Queue.length p.queue);
    Queue.clear p.queue

  (* [drain p] sends everything queued; it runs until the queue is empty, then signals idle. A
     sender that fails unexpectedly drops (and counts) what waits rather than stopping for good. *)
  let kick p drain =
    if not p.running then begin
      p.running <- true;
      Lwt.async (fun () ->
          Lwt.catch drain (fun e ->
              p.console (Printf.sprintf "umonitor: log sender failed: %s\n" (Printexc.to_string e));
              drop_all p;
              Lwt.return_unit)
          >|= fun () ->
          p.running <- false;
          Lwt_condition.broadcast p.idle ())
    end

  let enqueue p drain f =
    if p.closed || Queue.length p.queue >= p.limit then Session.note_dropped p.session 1
    else (Queue.push f p.queue; kick p drain)

  let reporter p drain =
    Reporter.make p.session ~send:(enqueue p drain) ~nested:(fun f -> p.console (Frame.console_line f))

  let rec flush p =
    if (not p.running) && Queue.is_empty p.queue then Lwt.return_unit
    else Lwt_condition.wait p.idle >>= fun () -> flush p

end

module Udp (S : Net_stack.UDP_STACK) = struct
  type t = { pump : Pump.t; stack : S.t; dst : Ipaddr.t; port : int; max_datagram : int; hello : string }

  let send t frames =
    let payload = String.concat "" (t.hello :: frames) in
    let dropped why =
      Option.iter (fun m -> t.pump.console ("umonitor: UDP send failed: " ^ m ^ "\n")) why;
      Session.note_dropped t.pump.session (List.length frames)
    in
    Lwt.catch
      (fun () ->
        S.UDP.write ~dst:t.dst ~dst_port:t.port (S.udp t.stack) (Cstruct.of_string payload) >|= function
        | Ok () -> ()
        | Error _ -> dropped None)
      (fun e -> dropped (Some (Printexc.to_string e)); Lwt.return_unit)

  (* Takes queued records while they fit in one datagram beside the HELLO; a record too big for
     [max_datagram] goes alone, as big as UDP allows. *)
  let rec drain t () =
    if Queue.is_empty t.pump.queue then Lwt.return_unit
    else
      let room = t.max_datagram - String.length t.hello in
      let rec take acc used =
        match Queue.peek_opt t.pump.queue with
        | Some f ->
            let b = Frame.encode f in
            if acc = [] || used + String.length b <= room then (
              ignore (Queue.pop t.pump.queue);
              if acc = [] && String.length b > 65507 - String.length t.hello then (
                Session.note_dropped t.pump.session 1; take acc used)
              else take (b :: acc) (used + String.length b))
            else List.rev acc
        | None -> List.rev acc
      in
      match take [] 0 with [] -> drain t () | frames -> send t frames >>= drain t

  let create ?console ?queue ?(max_datagram = 1472) stack session dst ~port =
    let max_datagram = max 64 (min max_datagram 65507) in
    { pump = Pump.create ?console ?queue session; stack; dst; port; max_datagram;
      hello = Frame.encode (Session.hello session) }

  (* Yielding once before the first send lets a burst of records share datagrams. *)
  let reporter t = Pump.reporter t.pump (fun () -> Lwt.pause () >>= drain t)
  let flush t = Pump.flush t.pump

  let close ?reason t =
    if t.pump.closed then Lwt.return_unit
    else
      flush t >>= fun () ->
      t.pump.closed <- true;
      send t [ Frame.encode (Session.goodbye ?reason t.pump.session) ]
end

module Tcp (S : Net_stack.TCP_STACK) = struct
  type t = {
    pump : Pump.t;
    stack : S.t;
    dst : Ipaddr.t;
    port : int;
    mutable flow : S.TCP.flow option;
    mutable said_down : bool;  (* the console has the reason the collector is unreachable *)
  }

  let rec connect t =
    Lwt.catch (fun () -> connect_exn t) (fun e ->
        Lwt.return (Error (Fmt.str "umonitor: connecting to %a:%d raised %s" Ipaddr.pp t.dst t.port (Printexc.to_string e))))

  and connect_exn t =
    S.TCP.create_connection (S.tcp t.stack) (t.dst, t.port) >>= function
    | Error e -> Lwt.return (Error (Fmt.str "umonitor: cannot connect to %a:%d: %a" Ipaddr.pp t.dst t.port S.TCP.pp_error e))
    | Ok flow -> (
        S.TCP.write flow (Cstruct.of_string (Frame.encode (Session.hello t.pump.session))) >>= function
        | Ok () -> t.flow <- Some flow; t.said_down <- false; Lwt.return (Ok flow)
        | Error e ->
            S.TCP.close flow >|= fun () ->
            Error (Fmt.str "umonitor: cannot send HELLO to %a:%d: %a" Ipaddr.pp t.dst t.port S.TCP.pp_write_error e))

  let write t frames =
    let count = List.length frames in
    let bytes = Cstruct.of_string (String.concat "" (List.map Frame.encode frames)) in
    (match t.flow with Some flow -> Lwt.return (Ok flow) | None -> connect t) >>= function
    | Error msg ->
        (* The collector is unreachable: drop what waits; the next record tries again. Say so
           once per outage, not once per record. *)
        if not t.said_down then (t.said_down <- true; t.pump.console (msg ^ "\n"));
        Session.note_dropped t.pump.session count;
        Pump.drop_all t.pump;
        Lwt.return_unit
    | Ok flow -> (
        Lwt.catch (fun () -> S.TCP.write flow bytes >|= Result.is_ok) (fun _ -> Lwt.return false) >>= function
        | true -> Lwt.return_unit
        | false ->
            t.flow <- None;
            Session.note_dropped t.pump.session count;
            S.TCP.close flow)

  let rec drain t () =
    if Queue.is_empty t.pump.queue then Lwt.return_unit
    else
      (* One write per batch keeps records in order and cuts per-record overhead. *)
      let rec take acc n =
        if n = 0 || Queue.is_empty t.pump.queue then List.rev acc else take (Queue.pop t.pump.queue :: acc) (n - 1)
      in
      write t (take [] 64) >>= drain t

  let create ?console ?queue stack session dst ~port =
    let t = { pump = Pump.create ?console ?queue session; stack; dst; port; flow = None; said_down = false } in
    connect t >|= function Ok _ -> Ok t | Error msg -> Error msg

  let reporter t = Pump.reporter t.pump (drain t)
  let flush t = Pump.flush t.pump

  let close ?reason t =
    if t.pump.closed then Lwt.return_unit
    else
      flush t >>= fun () ->
      t.pump.closed <- true;
      match t.flow with
      | None -> Lwt.return_unit
      | Some flow ->
          t.flow <- None;
          S.TCP.write flow (Cstruct.of_string (Frame.encode (Session.goodbye ?reason t.pump.session)))
          >>= fun _ -> S.TCP.close flow
end
