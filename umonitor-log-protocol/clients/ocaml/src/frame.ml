type clock = Wall | Monotonic | No_clock
type level = Trace | Debug | Info | Warn | Error | Fatal

type value =
  | Null
  | String of string
  | Int64 of int64
  | Uint64 of int64
  | Float64 of float
  | Bool of bool
  | Bytes of string

type hello = {
  name : string;
  token : string;
  client : string;
  client_version : string;
  session : int64;
}

type record = {
  sequence : int64;
  clock : clock;
  timestamp : int64;
  level : level;
  logger : string;
  message : string;
  attributes : (string * value) list;
}

type goodbye = { produced : int64; dropped : int64; reason : string }
type t = Hello of hello | Record of record | Goodbye of goodbye

let version = 1
let max_frame_length = 65535
let overhead = 12

let valid_name s =
  let n = String.length s in
  let alnum = function 'a' .. 'z' | 'A' .. 'Z' | '0' .. '9' -> true | _ -> false in
  n >= 1 && n <= 63 && alnum s.[0]
  && String.for_all (fun c -> alnum c || c = '.' || c = '_' || c = '-') s

let level_code = function Trace -> 1 | Debug -> 2 | Info -> 3 | Warn -> 4 | Error -> 5 | Fatal -> 6

let level_of_code = function
  | 1 -> Some Trace | 2 -> Some Debug | 3 -> Some Info | 4 -> Some Warn | 5 -> Some Error
  | 6 -> Some Fatal | _ -> None

let level_to_string = function
  | Trace -> "TRACE" | Debug -> "DEBUG" | Info -> "INFO" | Warn -> "WARN" | Error -> "ERROR"
  | Fatal -> "FATAL"

let clock_to_string = function Wall -> "WALL" | Monotonic -> "MONOTONIC" | No_clock -> "NONE"
let type_code = function Hello _ -> 1 | Record _ -> 2 | Goodbye _ -> 3

(* Encoding *)

let str_len = String.length

let value_length = function
  | Null -> 0
  | String s | Bytes s -> 2 + str_len s
  | Int64 _ | Uint64 _ | Float64 _ -> 8
  | Bool _ -> 1

let body_length = function
  | Hello h -> 4 + str_len h.name + str_len h.token + str_len h.client + str_len h.client_version + 8
  | Record r ->
      8 + 1 + 8 + 1 + 1 + str_len r.logger + 2 + str_len r.message + 2
      + List.fold_left (fun acc (k, v) -> acc + 1 + str_len k + 1 + value_length v) 0 r.attributes
  | Goodbye g -> 8 + 8 + 1 + str_len g.reason

let encoded_length f = overhead + body_length f

let invalid fmt = Printf.ksprintf invalid_arg fmt

let add_u8 b v = Buffer.add_char b (Char.unsafe_chr (v land 0xFF))
let add_u16 b v = add_u8 b (v lsr 8); add_u8 b v
let add_u32 b v = add_u16 b (v lsr 16); add_u16 b v
let add_i64 b v = for i = 7 downto 0 do add_u8 b (Int64.to_int (Int64.shift_right_logical v (8 * i))) done

let check_utf8 field s =
  if not (Utf8.is_valid s) then invalid "umonitor frame: %s %S is not well-formed UTF-8; pass it through Utf8.sanitize" field s

let add_str8 b field s =
  check_utf8 field s;
  if str_len s > 255 then invalid "umonitor frame: %s is %d bytes, a str8 holds at most 255; shorten it" field (str_len s);
  add_u8 b (str_len s); Buffer.add_string b s

let add_str16 ?(utf8 = true) b field s =
  if utf8 then check_utf8 field s;
  if str_len s > 65535 then invalid "umonitor frame: %s is %d bytes, at most 65535 fit; shorten it" field (str_len s);
  add_u16 b (str_len s); Buffer.add_string b s

let add_body b = function
  | Hello h ->
      if not (valid_name h.name) then
        invalid "umonitor frame: HELLO name %S must be 1..63 ASCII letters, digits, '.', '_', '-' starting with a letter or digit" h.name;
      add_str8 b "HELLO name" h.name;
      add_str8 b "HELLO token" h.token;
      add_str8 b "HELLO client name" h.client;
      add_str8 b "HELLO client version" h.client_version;
      add_i64 b h.session
  | Record r ->
      add_i64 b r.sequence;
      add_u8 b (match r.clock with Wall -> 0 | Monotonic -> 1 | No_clock -> 2);
      if r.clock = No_clock && r.timestamp <> 0L then
        invalid "umonitor frame: record %Lu has no clock but timestamp %Ld; use 0" r.sequence r.timestamp;
      add_i64 b r.timestamp;
      add_u8 b (level_code r.level);
      add_str8 b "RECORD logger" r.logger;
      add_str16 b "RECORD message" r.message;
      let n = List.length r.attributes in
      if n > 65535 then invalid "umonitor frame: %d attributes, at most 65535 fit" n;
      add_u16 b n;
      List.iter
        (fun (k, v) ->
          if k = "" then invalid "umonitor frame: empty attribute key in record %Lu; keys are 1..255 bytes" r.sequence;
          add_str8 b "attribute key" k;
          match v with
          | Null -> add_u8 b 0
          | String s -> add_u8 b 1; add_str16 b ("attribute " ^ k) s
          | Int64 i -> add_u8 b 2; add_i64 b i
          | Uint64 i -> add_u8 b 3; add_i64 b i
          | Float64 f -> add_u8 b 4; add_i64 b (Int64.bits_of_float f)
          | Bool x -> add_u8 b 5; add_u8 b (if x then 1 else 0)
          | Bytes s -> add_u8 b 6; add_str16 ~utf8:false b ("attribute " ^ k) s)
        r.attributes
  | Goodbye g ->
      add_i64 b g.produced;
      add_i64 b g.dropped;
      add_str8 b "GOODBYE reason" g.reason

let encode f =
  let len = encoded_length f in
  if len > max_frame_length then
    invalid "umonitor frame: %d bytes, the protocol allows at most %d; shorten the message or attributes" len max_frame_length;
  let b = Buffer.create len in
  Buffer.add_string b "UM";
  add_u8 b version;
  add_u8 b (type_code f);
  add_u32 b (len - overhead);
  add_body b f;
  let crc = Crc32.digest (Buffer.contents b) in
  add_u32 b crc;
  Buffer.contents b

let console_line f = "@UM1:" ^ Base64.encode (encode f) ^ "\n"

(* Decoding *)

type error_code = Corrupt_frame | Frame_too_long | Unsupported_version | Unexpected_frame | Truncated
type error = { code : error_code; detail : string }

let error_code_name = function
  | Corrupt_frame -> "CORRUPT_FRAME" | Frame_too_long -> "FRAME_TOO_LONG"
  | Unsupported_version -> "UNSUPPORTED_VERSION" | Unexpected_frame -> "UNEXPECTED_FRAME"
  | Truncated -> "TRUNCATED"

let pp_error ppf e = Fmt.pf ppf "%s: %s" (error_code_name e.code) e.detail

exception Body_error of string

let corrupt fmt = Printf.ksprintf (fun s -> raise (Body_error s)) fmt
let get_u8 s i = Char.code (String.unsafe_get s i)
let get_u16 s i = (get_u8 s i lsl 8) lor get_u8 s (i + 1)
let get_u32 s i = (get_u16 s i lsl 16) lor get_u16 s (i + 2)

let get_i64 s i =
  let v = ref 0L in
  for k = 0 to 7 do v := Int64.logor (Int64.shift_left !v 8) (Int64.of_int (get_u8 s (i + k))) done;
  !v

(* A cursor over one body: every read checks the bytes remaining first. *)
type cursor = { s : string; mutable pos : int; stop : int }

let need c n what =
  if c.stop - c.pos < n then corrupt "%s needs %d bytes, %d remain in the body" what n (c.stop - c.pos)

let u8 c what = need c 1 what; let v = get_u8 c.s c.pos in c.pos <- c.pos + 1; v
let u16 c what = need c 2 what; let v = get_u16 c.s c.pos in c.pos <- c.pos + 2; v
let i64 c what = need c 8 what; let v = get_i64 c.s c.pos in c.pos <- c.pos + 8; v
let raw c n what = need c n what; let v = String.sub c.s c.pos n in c.pos <- c.pos + n; v

let utf8 what s = if Utf8.is_valid s then s else corrupt "%s is not well-formed UTF-8" what
let str8 c what = let n = u8 c what in utf8 what (raw c n what)
let str16 c what = let n = u16 c what in utf8 what (raw c n what)

let decode_body typ c =
  let f =
    match typ with
    | 1 ->
        let name = str8 c "HELLO name" in
        if not (valid_name name) then corrupt "HELLO name %S breaks the name rule" name;
        let token = str8 c "HELLO token" in
        let client = str8 c "HELLO client name" in
        let client_version = str8 c "HELLO client version" in
        let session = i64 c "HELLO session" in
        Hello { name; token; client; client_version; session }
    | 2 ->
        let sequence = i64 c "RECORD sequence" in
        let flags = u8 c "RECORD flags" in
        let clock =
          match flags with
          | 0 -> Wall | 1 -> Monotonic | 2 -> No_clock
          | f -> corrupt "RECORD flags 0x%02x are invalid" f
        in
        let timestamp = i64 c "RECORD timestamp" in
        if clock = No_clock && timestamp <> 0L then corrupt "RECORD without clock has timestamp %Ld" timestamp;
        let level =
          let l = u8 c "RECORD level" in
          match level_of_code l with Some l -> l | None -> corrupt "RECORD level %d is not 1..6" l
        in
        let logger = str8 c "RECORD logger" in
        let message = str16 c "RECORD message" in
        let count = u16 c "attribute count" in
        if count * 3 > c.stop - c.pos then
          corrupt "%d attributes cannot fit in the %d bytes left" count (c.stop - c.pos);
        let attribute _ =
          let key = str8 c "attribute key" in
          if key = "" then corrupt "empty attribute key";
          let what = "attribute " ^ key in
          let v =
            match u8 c what with
            | 0 -> Null
            | 1 -> String (str16 c what)
            | 2 -> Int64 (i64 c what)
            | 3 -> Uint64 (i64 c what)
            | 4 -> Float64 (Int64.float_of_bits (i64 c what))
            | 5 -> (match u8 c what with 0 -> Bool false | 1 -> Bool true | b -> corrupt "%s: bool value %d" what b)
            | 6 -> let n = u16 c what in Bytes (raw c n what)
            | t -> corrupt "%s: unknown type 0x%02x" what t
          in
          (key, v)
        in
        let attributes = List.init count attribute in
        Record { sequence; clock; timestamp; level; logger; message; attributes }
    | 3 ->
        let produced = i64 c "GOODBYE produced" in
        let dropped = i64 c "GOODBYE dropped" in
        let reason = str8 c "GOODBYE reason" in
        Goodbye { produced; dropped; reason }
    | t -> corrupt "unknown frame type 0x%02x" t
  in
  if c.pos <> c.stop then corrupt "%d bytes left over after the body" (c.stop - c.pos);
  f

let err code fmt = Printf.ksprintf (fun detail -> `Error { code; detail }) fmt

let decode_at ?(max_body = max_frame_length - overhead) s off =
  let avail = String.length s - off in
  if avail < 8 then `Need_more
  else if get_u8 s off <> 0x55 || get_u8 s (off + 1) <> 0x4D then
    err Corrupt_frame "bad magic 0x%02x%02x at offset %d" (get_u8 s off) (get_u8 s (off + 1)) off
  else if get_u8 s (off + 2) <> version then
    err Unsupported_version "version %d at offset %d" (get_u8 s (off + 2)) off
  else
    let len = get_u32 s (off + 4) in
    if len > max_body then err Frame_too_long "body length %d exceeds the maximum %d" len max_body
    else if avail < len + overhead then `Need_more
    else
      let crc = get_u32 s (off + 8 + len) in
      let actual = Crc32.digest ~off ~len:(8 + len) s in
      if crc <> actual then err Corrupt_frame "CRC 0x%08x, computed 0x%08x" crc actual
      else
        match decode_body (get_u8 s (off + 3)) { s; pos = off + 8; stop = off + 8 + len } with
        | f -> `Frame (f, off + len + overhead)
        | exception Body_error d -> err Corrupt_frame "%s" d

let type_name = function Hello _ -> "HELLO" | Record _ -> "RECORD" | Goodbye _ -> "GOODBYE"

let decode_stream ?max_body ?(tcp = false) s =
  let n = String.length s in
  (* [seen_hello], [ended]: the TCP rules of section 5.1. *)
  let rec go off acc seen_hello ended =
    if off = n then (List.rev acc, None)
    else
      match decode_at ?max_body s off with
      | `Need_more -> (List.rev acc, Some { code = Truncated; detail = Printf.sprintf "input ends inside the frame at offset %d" off })
      | `Error e -> (List.rev acc, Some e)
      | `Frame (f, next) ->
          let unexpected why = (List.rev acc, Some { code = Unexpected_frame; detail = Printf.sprintf "%s at offset %d: %s" (type_name f) off why }) in
          if tcp && ended then unexpected "after GOODBYE"
          else if tcp && seen_hello && (match f with Hello _ -> true | _ -> false) then unexpected "second HELLO"
          else if tcp && (not seen_hello) && (match f with Hello _ -> false | _ -> true) then unexpected "before HELLO"
          else go next (f :: acc) true (match f with Goodbye _ -> true | _ -> false)
  in
  go 0 [] false false

let decode_datagram s =
  match decode_stream s with
  | _, Some e -> Stdlib.Error e
  | frames, None -> (
      let unexpected d = Stdlib.Error { code = Unexpected_frame; detail = d } in
      match frames with
      | Hello _ :: (_ :: _ as rest) when List.for_all (function Record _ -> true | _ -> false) rest -> Stdlib.Ok frames
      | [ Hello _; Goodbye _ ] -> Stdlib.Ok frames
      | Hello _ :: _ -> unexpected "a datagram is HELLO then RECORDs or exactly one GOODBYE"
      (* An empty datagram ends before the HELLO's header: the vectors (udp-empty) call it TRUNCATED. *)
      | [] -> Stdlib.Error { code = Truncated; detail = "empty datagram" }
      | f :: _ -> unexpected (type_name f ^ " first; a datagram starts with HELLO"))

type console_result = { frames : t list; console_text : string list; errors : error list }

let split_lines text =
  let lines = String.split_on_char '\n' text in
  (* A final LF ends the last line rather than starting an empty one. *)
  let lines = match List.rev lines with "" :: rest -> List.rev rest | _ -> lines in
  (* One CR at the end of every line, the last one without LF included, is not part of it (PROTOCOL.md 5.3). *)
  List.map
    (fun l ->
      let k = String.length l in
      if k > 0 && l.[k - 1] = '\r' then String.sub l 0 (k - 1) else l)
    lines

let decode_console text =
  let marker = "@UM1:" in
  let m = String.length marker in
  let frames, console_text, errors =
    List.fold_left
      (fun (frames, texts, errors) line ->
        if String.length line < m || String.sub line 0 m <> marker then (frames, line :: texts, errors)
        else
          let payload = String.sub line m (String.length line - m) in
          (* PROTOCOL.md 5.3: a payload longer than the base64 of the longest frame is FRAME_TOO_LONG. *)
          let max_chars = (max_frame_length + 2) / 3 * 4 in
          if String.length payload > max_chars then
            ( frames, line :: texts,
              { code = Frame_too_long;
                detail = Printf.sprintf "console line payload of %d characters, more than the %d of a %d-byte frame"
                    (String.length payload) max_chars max_frame_length } :: errors )
          else
          match Base64.decode payload with
          | Error d -> (frames, line :: texts, { code = Corrupt_frame; detail = "base64: " ^ d } :: errors)
          | Ok bytes -> (
              match decode_at bytes 0 with
              | `Frame (f, next) when next = String.length bytes -> (f :: frames, texts, errors)
              | `Frame _ -> (frames, line :: texts, { code = Corrupt_frame; detail = "bytes after the frame" } :: errors)
              | `Need_more -> (frames, line :: texts, { code = Truncated; detail = "line ends inside the frame" } :: errors)
              | `Error e -> (frames, line :: texts, e :: errors)))
      ([], [], []) (split_lines text)
  in
  { frames = List.rev frames; console_text = List.rev console_text; errors = List.rev errors }
