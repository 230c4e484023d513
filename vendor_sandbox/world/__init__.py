"""Seeded, vendor-neutral "world" of companies, people and support conversations.

Every sandbox vendor API (Zendesk, Salesforce, HubSpot, Intercom) renders this
same world in its own shape, so connectors can be compared on identical data.
Generation uses one `random.Random(seed)`, integer epoch seconds internally and
builds frozen dataclasses only at the end, which keeps 10k tickets well under a
second or two.  Ids are assigned in creation order, as real helpdesks do.
"""

from vendor_sandbox.world.build import build_world
from vendor_sandbox.world.drafts import DAY, EPOCH
from vendor_sandbox.world.model import Company, Conversation, Message, Person, World, WorldConfig

__all__ = ["DAY", "EPOCH", "Company", "Conversation", "Message", "Person", "World", "WorldConfig", "build_world"]
