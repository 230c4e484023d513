"""Earlier import path of ``vendor_sandbox.dialects.llm.sentiment``, which it is (the same module object)."""

import sys

from vendor_sandbox.dialects.llm import sentiment as _module

sys.modules[__name__] = _module
