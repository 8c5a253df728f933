"""Bounded capture of a child's output stream."""

from __future__ import annotations

# Bytes of the stream's end always kept, whatever the output budget, so the traceback's
# last line can be parsed after a long stream.
ERROR_TAIL_BYTES = 8192


class StreamCapture:
    """Keep the start and the end of a byte stream within a fixed budget.

    The first half of the budget keeps the start of the stream and the second half a
    rolling window of its end. The whole stream is also searched for one marker, so a
    marker printed after megabytes of output is still found.
    """

    def __init__(self, max_bytes: int, marker: bytes | None = None) -> None:
        self._head_budget = max_bytes // 2
        self._tail_budget = max_bytes - self._head_budget
        self._tail_keep = max(self._tail_budget, ERROR_TAIL_BYTES)
        self._head = bytearray()
        self._tail = bytearray()
        self._marker = marker
        self._carry = b""
        self.total_bytes = 0
        self.marker_seen = False

    def feed(self, data: bytes) -> None:
        """Add the next chunk of the stream."""
        self.total_bytes += len(data)
        self._search_marker(data)
        room = self._head_budget - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        self._tail += data
        # Trimming only once the buffer is twice its size keeps appends amortized O(1).
        if len(self._tail) > 2 * self._tail_keep:
            del self._tail[: len(self._tail) - self._tail_keep]

    def _search_marker(self, data: bytes) -> None:
        if self._marker is None or self.marker_seen:
            return
        window = self._carry + data
        if self._marker in window:
            self.marker_seen = True
            return
        self._carry = window[-(len(self._marker) - 1) :] if len(self._marker) > 1 else b""

    def text(self, remove_line: str | None = None) -> str:
        """Return the kept output as text, with an omission marker where bytes were dropped.

        Args:
            remove_line: A line to drop from the result, with the newline before it.
        """
        tail = bytes(self._tail[-self._tail_budget :]) if self._tail_budget else b""
        omitted = self.total_bytes - len(self._head) - len(tail)
        if omitted > 0:
            gap = f"\n[... {omitted} bytes of output omitted ...]\n".encode()
            raw = bytes(self._head) + gap + tail
        else:
            raw = bytes(self._head) + tail
        text = raw.decode("utf-8", errors="replace")
        if remove_line:
            text = text.replace(f"\n{remove_line}\n", "")
        return text

    def tail_text(self) -> str:
        """Return the last bytes of the stream (at least `ERROR_TAIL_BYTES`) as text."""
        if self.total_bytes <= len(self._head) + len(self._tail):
            raw = bytes(self._head) + bytes(self._tail)
        else:
            raw = bytes(self._tail)
        return raw[-max(self._tail_keep, ERROR_TAIL_BYTES) :].decode("utf-8", errors="replace")
