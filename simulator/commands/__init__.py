"""One module per ``mcsim`` command. Each imports only click at module level (``--help`` is instant)."""
