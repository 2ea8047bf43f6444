open Lwt.Infix

module Stack = struct
  type keepalive = unit

  module UDP = struct
    type t = { mutable v4 : Lwt_unix.file_descr option; mutable v6 : Lwt_unix.file_descr option }
    type error = [ `Msg of string ]

    let pp_error ppf (`Msg m) = Fmt.string ppf m

    let socket t dst =
      let v6 = match dst with Ipaddr.V6 _ -> true | Ipaddr.V4 _ -> false in
      match if v6 then t.v6 else t.v4 with
      | Some fd -> fd
      | None ->
          let fd = Lwt_unix.socket (if v6 then Unix.PF_INET6 else Unix.PF_INET) Unix.SOCK_DGRAM 0 in
          if v6 then t.v6 <- Some fd else t.v4 <- Some fd;
          fd

    let write ?src:_ ?src_port:_ ?ttl:_ ~dst ~dst_port t buf =
      let bytes = Cstruct.to_bytes buf in
      let addr = Unix.ADDR_INET (Ipaddr_unix.to_inet_addr dst, dst_port) in
      Lwt.catch
        (fun () ->
          Lwt_unix.sendto (socket t dst) bytes 0 (Bytes.length bytes) [] addr >|= fun n ->
          if n = Bytes.length bytes then Ok ()
          else Error (`Msg (Printf.sprintf "sent %d of %d bytes" n (Bytes.length bytes))))
        (function
          | Unix.Unix_error (e, _, _) -> Lwt.return (Error (`Msg (Unix.error_message e)))
          | e -> Lwt.fail e)
  end

  module TCP = struct
    type t = unit
    type flow = Lwt_unix.file_descr
    type error = [ `Refused | `Timeout | `Msg of string ]
    type write_error = [ `Closed | `Msg of string ]

    let pp_error ppf = function
      | `Refused -> Fmt.string ppf "connection refused"
      | `Timeout -> Fmt.string ppf "connection timed out"
      | `Msg m -> Fmt.string ppf m

    let pp_write_error ppf = function
      | `Closed -> Fmt.string ppf "connection closed"
      | `Msg m -> Fmt.string ppf m

    let create_connection ?keepalive:_ () (ip, port) =
      let domain = match ip with Ipaddr.V6 _ -> Unix.PF_INET6 | Ipaddr.V4 _ -> Unix.PF_INET in
      let fd = Lwt_unix.socket domain Unix.SOCK_STREAM 0 in
      Lwt.catch
        (fun () ->
          Lwt_unix.connect fd (Unix.ADDR_INET (Ipaddr_unix.to_inet_addr ip, port)) >|= fun () ->
          Lwt_unix.setsockopt fd Unix.TCP_NODELAY true;
          Ok fd)
        (fun e ->
          Lwt.catch (fun () -> Lwt_unix.close fd) (fun _ -> Lwt.return_unit) >|= fun () ->
          match e with
          | Unix.Unix_error (Unix.ECONNREFUSED, _, _) -> Error `Refused
          | Unix.Unix_error (Unix.ETIMEDOUT, _, _) -> Error `Timeout
          | Unix.Unix_error (e, _, _) -> Error (`Msg (Unix.error_message e))
          | e -> Error (`Msg (Printexc.to_string e)))

    let write fd buf =
      let bytes = Cstruct.to_bytes buf in
      let rec go off =
        if off = Bytes.length bytes then Lwt.return (Ok ())
        else Lwt_unix.write fd bytes off (Bytes.length bytes - off) >>= fun n -> go (off + n)
      in
      Lwt.catch
        (fun () -> go 0)
        (function
          | Unix.Unix_error ((Unix.EPIPE | Unix.ECONNRESET | Unix.ENOTCONN | Unix.EBADF), _, _) ->
              Lwt.return (Error `Closed)
          | Unix.Unix_error (e, _, _) -> Lwt.return (Error (`Msg (Unix.error_message e)))
          | e -> Lwt.fail e)

    let close fd = Lwt.catch (fun () -> Lwt_unix.close fd) (fun _ -> Lwt.return_unit)
  end

  type t = { udp : UDP.t }

  let connect () =
    Sys.set_signal Sys.sigpipe Sys.Signal_ignore;
    { udp = { UDP.v4 = None; v6 = None } }

  let udp t = t.udp
  let tcp _ = ()
end

(* Lwt_main's exit hooks run on [exit], at the end of the program and after an exception escaped
   Lwt_main.run (OCaml runs at_exit before reporting it), even when [exit] is called from inside
   Lwt_main.run: the queue is sent and the GOODBYE said there. [close] does nothing the second time,
   so a program that closes the reporter itself is not disturbed. Bounded, so a collector that stopped
   reading cannot hold the exit. *)
let exit_timeout = 2.0

let close_at_exit close =
  Lwt_main.at_exit (fun () -> Lwt.pick [ close ~reason:"exit"; Lwt_unix.sleep exit_timeout ])

module Udp = struct
  module U = Umonitor_log.Net.Udp (Stack)
  include U

  let create ?console ?queue ?max_datagram stack session dst ~port =
    let t = U.create ?console ?queue ?max_datagram stack session dst ~port in
    close_at_exit (fun ~reason -> U.close ~reason t);
    t
end

module Tcp = struct
  module T = Umonitor_log.Net.Tcp (Stack)
  include T

  let create ?console ?queue stack session dst ~port =
    T.create ?console ?queue stack session dst ~port >|= function
    | Ok t -> close_at_exit (fun ~reason -> T.close ~reason t); Ok t
    | Error _ as e -> e
end

let wall_clock = `Wall (fun () -> Int64.of_float (Unix.gettimeofday () *. 1e9))
