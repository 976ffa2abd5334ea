"""The one error a reader raises for a file it cannot use; the pipeline turns it into a reject row."""


class UnreadableSource(Exception):
    """A source file that cannot be read; `reason` is a short code stored in rejects.reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
