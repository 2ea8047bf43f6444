type clock = [ `Wall of unit -> int64 | `Monotonic of unit -> int64 | `None ]

type t = {
  name : string;
  token : string;
  client : string * string;
  id : int64;
  clock : clock;
  mutable next : int64;
  mutable dropped : int64;
}

let create ?(token = "") ?session ?(clock = `None) ?(client = ("umonitor-ocaml", "0.1.0")) ~name () =
  if not (Frame.valid_name name) then
    invalid_arg
      (Printf.sprintf "Umonitor_log.Session.create: name %S must be 1..63 ASCII letters, digits, '.', '_', '-' starting with a letter or digit" name);
  if String.length token > 255 then
    invalid_arg (Printf.sprintf "Umonitor_log.Session.create: token is %d bytes, at most 255" (String.length token));
  let id =
    match session with
    | Some s -> s
    | None -> Random.State.int64 (Random.State.make_self_init ()) Int64.max_int
  in
  { name; token; client; id; clock; next = 0L; dropped = 0L }

let name t = t.name
let id t = t.id
let produced t = t.next
let dropped t = t.dropped
let note_dropped t n = t.dropped <- Int64.add t.dropped (Int64.of_int n)

let hello t =
  Frame.Hello { name = t.name; token = t.token; client = fst t.client; client_version = snd t.client; session = t.id }

let goodbye ?(reason = "") t =
  Frame.Goodbye { produced = t.next; dropped = t.dropped; reason = Utf8.truncate (Utf8.sanitize reason) 255 }

let clean s max = Utf8.truncate (Utf8.sanitize s) max

let clean_value = function
  | Frame.String s -> Frame.String (clean s 65535)
  | Frame.Bytes s when String.length s > 65535 -> Frame.Bytes (String.sub s 0 65535)
  | v -> v

let record t ~level ~logger ?(attributes = []) message =
  let clock, timestamp =
    match t.clock with
    | `Wall now -> (Frame.Wall, now ())
    | `Monotonic now -> (Frame.Monotonic, now ())
    | `None -> (Frame.No_clock, 0L)
  in
  let attributes =
    List.filter_map
      (fun (k, v) -> let k = clean k 255 in if k = "" then None else Some (k, clean_value v))
      attributes
  in
  let attributes = List.filteri (fun i _ -> i < 65535) attributes in
  let r = { Frame.sequence = t.next; clock; timestamp; level; logger = clean logger 255; message = ""; attributes } in
  let room = Frame.max_frame_length - Frame.encoded_length (Frame.Record r) in
  (* Attributes alone may not fit; drop them from the end until the frame does. *)
  let rec fit r room =
    if room >= 0 || r.Frame.attributes = [] then (r, max 0 room)
    else
      let attributes = List.filteri (fun i _ -> i < List.length r.Frame.attributes - 1) r.Frame.attributes in
      let r = { r with Frame.attributes } in
      fit r (Frame.max_frame_length - Frame.encoded_length (Frame.Record r))
  in
  let r, room = fit r room in
  t.next <- Int64.succ t.next;
  { r with Frame.message = clean message (min room 65535) }
