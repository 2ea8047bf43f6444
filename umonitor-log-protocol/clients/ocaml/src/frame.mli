(** Frames of the umonitor log protocol, version 1 (PROTOCOL.md sections 2 to 6).

{v
 0       1       2       3       4       5       6       7       8
 +-------+-------+-------+-------+-------+-------+-------+-------+
 | 0x55  | 0x4D  |version| type  |        body length (u32)      |
 +-------+-------+-------+-------+-------+-------+-------+-------+
 |                 body (body length bytes)  ...                 |
 +-------+-------+-------+-------+-------------------------------+
 |         CRC-32 (u32)          |
 +-------+-------+-------+-------+
v}

    Unsigned 64-bit fields are carried in [int64] by bit pattern: print them with ["%Lu"]. *)

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
  timestamp : int64;  (** nanoseconds; 0 when [clock = No_clock] *)
  level : level;
  logger : string;
  message : string;
  attributes : (string * value) list;
}

type goodbye = { produced : int64; dropped : int64; reason : string }

type t = Hello of hello | Record of record | Goodbye of goodbye

val version : int
val max_frame_length : int
(** 65,535: no sender may send a longer frame, every receiver accepts frames this long. *)

val overhead : int
(** 12: header and CRC bytes around the body. *)

val valid_name : string -> bool
(** The HELLO name rule: 1..63 ASCII letters, digits, [.], [_], [-], starting with a letter or digit. *)

val level_to_string : level -> string
val clock_to_string : clock -> string

(** {1 Encoding} *)

val encode : t -> string
(** The frame's bytes. @raise Invalid_argument naming the field, its size and the limit when a field
    does not fit its encoding, a string is not UTF-8, the HELLO name breaks the rule, a [No_clock]
    record has a timestamp, or the frame would exceed {!max_frame_length}. *)

val encoded_length : t -> int
(** The length {!encode} would produce, without checking anything. *)

val console_line : t -> string
(** [@UM1:] followed by the base64 of the frame and ["\n"] (PROTOCOL.md section 5.3). *)

(** {1 Decoding} *)

type error_code = Corrupt_frame | Frame_too_long | Unsupported_version | Unexpected_frame | Truncated

type error = { code : error_code; detail : string }

val error_code_name : error_code -> string
(** The name the specification and the test vectors use, e.g. ["CORRUPT_FRAME"]. *)

val pp_error : error Fmt.t

val decode_at :
  ?max_body:int -> string -> int -> [ `Frame of t * int | `Need_more | `Error of error ]
(** [decode_at s off] decodes the frame starting at [off]: the frame and the offset after it,
    [`Need_more] while the frame is incomplete, or the error. [max_body] defaults to
    [max_frame_length - overhead]. *)

val decode_stream : ?max_body:int -> ?tcp:bool -> string -> t list * error option
(** The frames of a byte stream, and the error that ended it (input ending inside a frame is
    [Truncated]). With [~tcp:true] the TCP rules of section 5.1 apply as well. *)

val decode_datagram : string -> (t list, error) result
(** One UDP datagram (section 5.2), all or nothing. *)

type console_result = {
  frames : t list;
  console_text : string list;  (** lines that are ordinary console text, in order *)
  errors : error list;  (** one per [@UM1:] line that did not decode *)
}

val decode_console : string -> console_result
(** Console text (section 5.3). A last line without LF is still a line. *)
