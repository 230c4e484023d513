"""One package per vendor; each lists the dialects it serves in ``DIALECTS`` (the server finds them there).

The flat modules beside the packages are earlier import paths, kept so existing importers still work.
"""
