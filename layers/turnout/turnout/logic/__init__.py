"""One module per behaviour; each is called by exactly one handler."""
