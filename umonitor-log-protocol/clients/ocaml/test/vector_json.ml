(* The decoded-frame JSON of PROTOCOL.md section 9, both ways. *)
open Umonitor_log.Frame

let u64 v = `String (Printf.sprintf "%Lu" v)
let i64 v = `String (Printf.sprintf "%Ld" v)

let hex s =
  String.concat "" (List.init (String.length s) (fun i -> Printf.sprintf "%02x" (Char.code s.[i])))

let unhex h =
  if String.length h mod 2 <> 0 then failwith ("odd hex length: " ^ h);
  String.init (String.length h / 2) (fun i -> Char.chr (int_of_string ("0x" ^ String.sub h (2 * i) 2)))

let value_type = function
  | Null -> "NULL" | String _ -> "STRING" | Int64 _ -> "INT64" | Uint64 _ -> "UINT64"
  | Float64 _ -> "FLOAT64" | Bool _ -> "BOOL" | Bytes _ -> "BYTES"

let value_json = function
  | Null -> `Null
  | String s -> `String s
  | Int64 v -> i64 v
  | Uint64 v -> u64 v
  | Float64 f -> `String (Printf.sprintf "%016Lx" (Int64.bits_of_float f))
  | Bool b -> `Bool b
  | Bytes s -> `String (hex s)

let to_json = function
  | Hello h ->
      `Assoc [ ("type", `String "HELLO"); ("name", `String h.name); ("token", `String h.token);
               ("client", `String h.client); ("client_version", `String h.client_version);
               ("session", u64 h.session) ]
  | Record r ->
      `Assoc [ ("type", `String "RECORD"); ("sequence", u64 r.sequence);
               ("clock", `String (clock_to_string r.clock)); ("timestamp", i64 r.timestamp);
               ("level", `String (level_to_string r.level)); ("logger", `String r.logger);
               ("message", `String r.message);
               ("attributes", `List (List.map (fun (k, v) ->
                    `Assoc [ ("key", `String k); ("type", `String (value_type v)); ("value", value_json v) ])
                    r.attributes)) ]
  | Goodbye g ->
      `Assoc [ ("type", `String "GOODBYE"); ("produced", u64 g.produced); ("dropped", u64 g.dropped);
               ("reason", `String g.reason) ]

let member k = function
  | `Assoc l -> (match List.assoc_opt k l with Some v -> v | None -> failwith ("missing field " ^ k))
  | _ -> failwith ("not an object looking for " ^ k)

let str k j = match member k j with `String s -> s | _ -> failwith (k ^ " is not a string")
let num64 k j = Int64.of_string ("0u" ^ str k j)
let snum64 k j = Int64.of_string (str k j)

let value_of_json j =
  let v = member "value" j in
  let s () = match v with `String s -> s | _ -> failwith "value is not a string" in
  match str "type" j with
  | "NULL" -> Null
  | "STRING" -> String (s ())
  | "INT64" -> Int64 (Int64.of_string (s ()))
  | "UINT64" -> Uint64 (Int64.of_string ("0u" ^ s ()))
  | "FLOAT64" -> Float64 (Int64.float_of_bits (Int64.of_string ("0x" ^ s ())))
  | "BOOL" -> (match v with `Bool b -> Bool b | _ -> failwith "BOOL value")
  | "BYTES" -> Bytes (unhex (s ()))
  | t -> failwith ("attribute type " ^ t)

let level_of_string = function
  | "TRACE" -> Trace | "DEBUG" -> Debug | "INFO" -> Info | "WARN" -> Warn | "ERROR" -> Error
  | "FATAL" -> Fatal | l -> failwith ("level " ^ l)

let clock_of_string = function
  | "WALL" -> Wall | "MONOTONIC" -> Monotonic | "NONE" -> No_clock | c -> failwith ("clock " ^ c)

let of_json j =
  match str "type" j with
  | "HELLO" ->
      Hello { name = str "name" j; token = str "token" j; client = str "client" j;
              client_version = str "client_version" j; session = num64 "session" j }
  | "RECORD" ->
      Record { sequence = num64 "sequence" j; clock = clock_of_string (str "clock" j);
               timestamp = snum64 "timestamp" j; level = level_of_string (str "level" j);
               logger = str "logger" j; message = str "message" j;
               attributes = (match member "attributes" j with
                 | `List l -> List.map (fun a -> (str "key" a, value_of_json a)) l
                 | _ -> failwith "attributes") }
  | "GOODBYE" ->
      Goodbye { produced = num64 "produced" j; dropped = num64 "dropped" j; reason = str "reason" j }
  | t -> failwith ("frame type " ^ t)

(* Field order is not part of the format: compare objects by sorted keys. *)
let rec normalize : Yojson.Safe.t -> Yojson.Safe.t = function
  | `Assoc l -> `Assoc (List.sort compare (List.map (fun (k, v) -> (k, normalize v)) l))
  | `List l -> `List (List.map normalize l)
  | `Int i -> `String (string_of_int i)
  | `Intlit s -> `String s
  | j -> j
