"""Earlier import path of ``vendor_sandbox.dialects.salesforce.soql``, which it is (the same module object)."""

import sys

from vendor_sandbox.dialects.salesforce import soql as _module

sys.modules[__name__] = _module
