(* Test harness: runs the generated gateway client and handlers as a Linux process (the process backend
   gives UMONITOR_WS, UMONITOR_NAME and UMONITOR_TOKEN), so the code that goes into the MirageOS unikernel
   is exercised against the real gateway where the mirage tool is absent. *)
open Lwt.Infix

module Flow = struct
  type t = Lwt_unix.file_descr

  let read fd =
    let b = Bytes.create 65536 in
    Lwt.catch
      (fun () -> Lwt_unix.read fd b 0 65536 >|= fun n -> if n = 0 then None else Some (Bytes.sub_string b 0 n))
      (fun _ -> Lwt.return_none)

  let write fd s =
    let rec go off =
      if off >= String.length s then Lwt.return_unit
      else Lwt_unix.write_string fd s off (String.length s - off) >>= fun n -> go (off + n)
    in
    go 0

  let close fd = Lwt.catch (fun () -> Lwt_unix.close fd) (fun _ -> Lwt.return_unit)
end

module Client = Gateway_client.Make (Flow)

let () =
  Random.self_init ();
  let env k = try Sys.getenv k with Not_found -> prerr_endline ("missing " ^ k); exit 64 in
  match Gateway_client.parse_url (env "UMONITOR_WS") with
  | Error e ->
      prerr_endline e;
      exit 64
  | Ok (host, port, path) ->
      let result =
        Lwt_main.run
          (let fd = Lwt_unix.socket Unix.PF_INET Unix.SOCK_STREAM 0 in
           Lwt_unix.connect fd (Unix.ADDR_INET (Unix.inet_addr_of_string host, port)) >>= fun () ->
           Client.run ~flow:fd ~host ~port ~path ~name:(env "UMONITOR_NAME") ~token:(env "UMONITOR_TOKEN")
             ~handle:Handlers.handle ~log:print_endline)
      in
      match result with
      | Ok () -> exit 0
      | Error e ->
          print_endline e;
          exit 1
