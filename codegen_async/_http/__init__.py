"""The request pipeline: the seam (``_backend``), deadlines, transport, error mapping, retry."""
