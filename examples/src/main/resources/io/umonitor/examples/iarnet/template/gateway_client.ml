(* Client side of the umonitor invocation gateway: a small RFC 6455 WebSocket client (text frames,
   continuation, ping/pong, close) over any byte flow, and the invocation loop. Requests are
   {"corr_id":..,"topic":..,"value":..}; each is answered by its own Lwt thread, so many may be in flight,
   with {"corr_id":..,"topic":..,"value":..,"error":..}. Pure OCaml + Lwt + Yojson: the same code runs in
   the MirageOS unikernel (over a TCP flow of its stack) and on a host (over a Unix socket). *)

open Lwt.Infix

module type FLOW = sig
  type t

  val read : t -> string option Lwt.t
  (** The next bytes, or [None] at the end of the stream. *)

  val write : t -> string -> unit Lwt.t
  val close : t -> unit Lwt.t
end

type handler = topic:string -> Yojson.Safe.t -> (Yojson.Safe.t, string) result Lwt.t

(* Frames larger than this are a protocol error: invocations carry small JSON values. *)
let max_payload = 16 * 1024 * 1024

(** [parse_url "ws://host:port/path"] is [Ok (host, port, path)]. *)
let parse_url url =
  let prefix = "ws://" in
  let pl = String.length prefix in
  if String.length url < pl || String.sub url 0 pl <> prefix then
    Error ("umonitor-ws '" ^ url ^ "' is not a ws:// URL: pass the gateway address umonitor gives")
  else
    let rest = String.sub url pl (String.length url - pl) in
    let hostport, path =
      match String.index_opt rest '/' with
      | Some i -> (String.sub rest 0 i, String.sub rest i (String.length rest - i))
      | None -> (rest, "/")
    in
    match String.rindex_opt hostport ':' with
    | None -> Ok (hostport, 80, path)
    | Some i -> (
        match int_of_string_opt (String.sub hostport (i + 1) (String.length hostport - i - 1)) with
        | Some port when port > 0 && port < 65536 -> Ok (String.sub hostport 0 i, port, path)
        | _ -> Error ("umonitor-ws '" ^ url ^ "' has no valid port"))

let pct_encode s =
  let b = Buffer.create (String.length s) in
  String.iter
    (fun c ->
      match c with
      | 'A' .. 'Z' | 'a' .. 'z' | '0' .. '9' | '-' | '_' | '.' | '~' -> Buffer.add_char b c
      | c -> Buffer.add_string b (Printf.sprintf "%%%02X" (Char.code c)))
    s;
  Buffer.contents b

(* Client frames are masked (RFC 6455 5.3). *)
let encode_frame opcode payload =
  let len = String.length payload in
  let b = Buffer.create (len + 14) in
  Buffer.add_char b (Char.chr (0x80 lor opcode));
  if len < 126 then Buffer.add_char b (Char.chr (0x80 lor len))
  else if len < 65536 then (
    Buffer.add_char b (Char.chr (0x80 lor 126));
    Buffer.add_uint16_be b len)
  else (
    Buffer.add_char b (Char.chr (0x80 lor 127));
    Buffer.add_int64_be b (Int64.of_int len));
  let mask = String.init 4 (fun _ -> Char.chr (Random.int 256)) in
  Buffer.add_string b mask;
  String.iteri (fun i ch -> Buffer.add_char b (Char.chr (Char.code ch lxor Char.code mask.[i land 3]))) payload;
  Buffer.contents b

let find_header_end s =
  let n = String.length s in
  let rec go i = if i + 3 >= n then None else if String.sub s i 4 = "\r\n\r\n" then Some i else go (i + 1) in
  go 0

module Make (F : FLOW) = struct
  type conn = { flow : F.t; buf : Buffer.t; mutable pos : int; lock : Lwt_mutex.t }

  let available c = Buffer.length c.buf - c.pos

  let compact c =
    if c.pos > 65536 && c.pos * 2 > Buffer.length c.buf then (
      let rest = Buffer.sub c.buf c.pos (available c) in
      Buffer.clear c.buf;
      Buffer.add_string c.buf rest;
      c.pos <- 0)

  (* Reads until at least [n] bytes are buffered; false at the end of the stream. *)
  let rec fill c n =
    if available c >= n then Lwt.return_true
    else
      F.read c.flow >>= function
      | None -> Lwt.return_false
      | Some s ->
          Buffer.add_string c.buf s;
          fill c n

  let take c n =
    let s = Buffer.sub c.buf c.pos n in
    c.pos <- c.pos + n;
    compact c;
    s

  let byte c i = Char.code (Buffer.nth c.buf (c.pos + i))

  let rec read_response_head c =
    match find_header_end (Buffer.sub c.buf c.pos (available c)) with
    | Some i -> Lwt.return_some (take c (i + 4))
    | None -> (
        F.read c.flow >>= function
        | None -> Lwt.return_none
        | Some s ->
            Buffer.add_string c.buf s;
            read_response_head c)

  (* One frame: Some (fin, opcode, payload), or None at the end of the stream or on a bad frame. *)
  let read_frame c =
    fill c 2 >>= function
    | false -> Lwt.return_none
    | true -> (
        let b0 = byte c 0 and b1 = byte c 1 in
        let masked = b1 land 0x80 <> 0 and len7 = b1 land 0x7f in
        let ext = if len7 = 126 then 2 else if len7 = 127 then 8 else 0 in
        let head = 2 + ext + if masked then 4 else 0 in
        fill c head >>= function
        | false -> Lwt.return_none
        | true -> (
            let len =
              if len7 = 126 then (byte c 2 lsl 8) lor byte c 3
              else if len7 = 127 then
                Int64.to_int (Bytes.get_int64_be (Bytes.of_string (Buffer.sub c.buf (c.pos + 2) 8)) 0)
              else len7
            in
            if len < 0 || len > max_payload then Lwt.return_none
            else
              fill c (head + len) >>= function
              | false -> Lwt.return_none
              | true ->
                  let header = take c head in
                  let payload = take c len in
                  let payload =
                    if not masked then payload
                    else
                      let m = String.sub header (head - 4) 4 in
                      String.mapi (fun i ch -> Char.chr (Char.code ch lxor Char.code m.[i land 3])) payload
                  in
                  Lwt.return_some (b0 land 0x80 <> 0, b0 land 0x0f, payload)))

  let send c opcode payload = Lwt_mutex.with_lock c.lock (fun () -> F.write c.flow (encode_frame opcode payload))

  let answer c (handle : handler) log text =
    let reply corr topic value error =
      send c 1
        (Yojson.Safe.to_string (`Assoc [ ("corr_id", corr); ("topic", topic); ("value", value); ("error", error) ]))
    in
    match Yojson.Safe.from_string text with
    | exception Yojson.Json_error e ->
        log ("gateway sent a message that is not JSON: " ^ e);
        Lwt.return_unit
    | `Assoc fields ->
        let field k = try List.assoc k fields with Not_found -> `Null in
        let corr = field "corr_id" and topic = field "topic" and value = field "value" in
        let topic_name = match topic with `String s -> s | _ -> "" in
        Lwt.catch
          (fun () -> handle ~topic:topic_name value)
          (fun exn -> Lwt.return (Error ("handler raised " ^ Printexc.to_string exn)))
        >>= (function
        | Ok v -> reply corr topic v `Null
        | Error e -> reply corr topic `Null (`String e))
    | _ ->
        log "gateway sent a message that is not a JSON object";
        Lwt.return_unit

  (** Connects over [flow] as unikernel [name] with [token] and answers invocations with [handle] until
      the gateway closes the connection ([Ok ()]) or the stream ends or breaks ([Error why]). *)
  let run ~flow ~host ~port ~path ~name ~token ~(handle : handler) ~(log : string -> unit) =
    let c = { flow; buf = Buffer.create 4096; pos = 0; lock = Lwt_mutex.create () } in
    let sep = if String.contains path '?' then "&" else "?" in
    let target = path ^ sep ^ "name=" ^ pct_encode name ^ "&token=" ^ pct_encode token in
    (* The key only proves the server speaks WebSocket; the gateway authenticates by name and token. *)
    let request =
      Printf.sprintf
        "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dW1vbml0b3ItZ2F0ZXdheQ==\r\nSec-WebSocket-Version: 13\r\nexecutor_id: %s\r\n\r\n"
        target host port name
    in
    F.write flow request >>= fun () ->
    read_response_head c >>= function
    | None -> Lwt.return (Error "the gateway closed the connection during the handshake")
    | Some head when String.length head < 12 || String.sub head 0 12 <> "HTTP/1.1 101" ->
        let status = match String.index_opt head '\r' with Some i -> String.sub head 0 i | None -> head in
        Lwt.return (Error ("the gateway refused the connection: " ^ status))
    | Some _ ->
        log ("connected to the umonitor gateway as " ^ name);
        let fragments = Buffer.create 256 in
        let rec loop () =
          read_frame c >>= function
          | None -> Lwt.return (Error "the gateway connection ended")
          | Some (fin, opcode, payload) -> (
              match opcode with
              | 0x1 | 0x0 ->
                  Buffer.add_string fragments payload;
                  if fin then (
                    let text = Buffer.contents fragments in
                    Buffer.clear fragments;
                    (* A failed reply (connection gone) must not end the unikernel: the loop sees the end. *)
                    Lwt.async (fun () ->
                        Lwt.catch
                          (fun () -> answer c handle log text)
                          (fun exn ->
                            log ("could not answer an invocation: " ^ Printexc.to_string exn);
                            Lwt.return_unit)));
                  loop ()
              | 0x8 -> send c 0x8 payload >>= fun () -> Lwt.return (Ok ())
              | 0x9 -> send c 0xA payload >>= loop
              | _ -> loop ())
        in
        loop ()
end
