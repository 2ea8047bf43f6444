/**
 * The umonitor log protocol, version 1 (see {@code PROTOCOL.md} in this module): frames, their encoder,
 * the decoders for its three transports, and loss accounting.
 *
 * <h2>Layers</h2>
 * Decoding happens in two layers, as in Netty's codecs: frame detection (magic, version, the body length
 * against the maximum before anything is buffered, then the CRC) and body decoding (every inner length
 * checked against what is left of the body). {@link io.umonitor.protocol.FrameDecoder} combines them for
 * a plain byte sequence; the transport decoders add each transport's rules:
 * <ul>
 *   <li>{@link io.umonitor.protocol.TcpStreamDecoder}: one per connection; HELLO first, no second HELLO,
 *       nothing after GOODBYE; the first error fails the connection;
 *   <li>{@link io.umonitor.protocol.DatagramDecoder}: one datagram at a time, all or nothing;
 *   <li>{@link io.umonitor.protocol.ConsoleDecoder}: one console line at a time; plain lines are text.
 * </ul>
 *
 * <h2>Reading a TCP connection</h2>
 * <pre>{@code
 * TcpStreamDecoder decoder = new TcpStreamDecoder();             // per connection
 * ByteBuffer buffer = ByteBuffer.allocate(FrameDecoder.DEFAULT_MAX_FRAME_LENGTH);
 * while (channel.read(buffer) >= 0) {
 *     buffer.flip();
 *     Frame frame;
 *     while ((frame = decoder.decode(buffer)) != null) {          // throws FrameProtocolException: close
 *         handle(frame);
 *     }
 *     buffer.compact();                                           // keeps the partial frame
 * }
 * decoder.endOfInput(buffer.flip());                              // TRUNCATED if a frame was cut off
 * }</pre>
 * A buffer of the maximum frame length always has room for the rest of a frame the decoder is waiting
 * for, because the header was checked against that maximum first.
 *
 * <h2>Errors</h2>
 * Every decoder throws a {@link io.umonitor.protocol.FrameProtocolException} subtype, one per error code
 * of the specification ({@link io.umonitor.protocol.ProtocolErrorCode}), and nothing else, whatever the
 * input. Valid input never throws.
 *
 * <h2>Threads</h2>
 * Frames are immutable. Encoders, decoders and the {@link io.umonitor.protocol.SequenceTracker} are not
 * thread-safe: confine each to one thread (they are cheap to create).
 *
 * @since 0.1
 */
package io.umonitor.protocol;
