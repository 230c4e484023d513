"""Draft support conversations: who speaks when, what they say, and where the case ends up."""

from __future__ import annotations

from bisect import bisect
from datetime import timedelta
from itertools import accumulate

from vendor_sandbox import compose as C
from vendor_sandbox import texts as T
from vendor_sandbox.world.drafts import DAY, EPOCH, ConversationDraft, MessageDraft, PersonDraft
from vendor_sandbox.world.population import Drafter

CHANNELS = (("email", 28), ("web", 20), ("chat", 20), ("whatsapp", 20), ("phone", 5), ("api", 7))
MESSAGE_COUNT_CW = tuple(accumulate((15, 25, 22, 15, 10, 7, 4, 2)))  # 1..8 messages, mean ~3.3
TOPIC_CW = tuple(accumulate(T.TOPIC_WEIGHTS))


class ConversationDrafter(Drafter):
    """Adds conversations to the population drafter; draws from the same rng, in the same order."""

    def plan(self, n: int, resolved: bool) -> list[str]:
        """Who speaks when: customer first, mostly alternating, notes and bots sprinkled in."""
        rng, kinds, agent_spoke = self.rng, ["c_open"], False
        if n > 1 and rng.random() < 0.05:
            kinds.append("sys_auto")
        while len(kinds) < n:
            last = next(k for k in reversed(kinds) if not k.startswith("sys"))
            r = rng.random()
            if last[0] == "c" and r < 0.10 and len(kinds) < n - 1:
                kinds.append("a_note")
            elif last[0] == "c" and r < 0.18:
                kinds.append("c_next")
            elif last[0] == "c" or last == "a_note":
                kinds.append("a_next" if agent_spoke else "a_first")
                agent_spoke = True
            else:
                kinds.append("a_note" if r < 0.08 else "c_next")
        if resolved and kinds[-1] == "c_next" and agent_spoke:
            kinds[-1] = "c_thanks"
        if resolved and len(kinds) < 8 and rng.random() < 0.15:
            kinds.append("sys_survey")
        return kinds

    def conversation(self, customer: PersonDraft, agents: list[PersonDraft], bot: PersonDraft) -> ConversationDraft:
        rng = self.rng
        created = self.created_at(customer.country)
        variety = customer.variety if rng.random() < 0.85 else C.neighbor(rng, customer.variety)
        topic = T.TOPICS[bisect(TOPIC_CW, rng.random() * TOPIC_CW[-1])]
        mood = "happy" if topic == "praise" else ("angry" if rng.random() < 0.5 else "neutral")
        age = (self.end - created) / DAY
        resolved = rng.random() < (0.93 if age > 7 else 0.75 if age > 3 else 0.45 if age > 1 else 0.15)
        channel = C.pick_weighted(rng, CHANNELS)
        casual = channel in ("chat", "whatsapp")
        agent = rng.choice(agents)
        agent_v = C.agent_variety(rng, variety)
        note_v = "english" if rng.random() < 0.7 else "msa"
        sys_v = "english" if variety in ("english", "arabizi") else "msa"
        currency = T.CURRENCY[customer.country]
        lo, hi = T.AMOUNT_RANGE[currency]
        amount = round(rng.uniform(lo, hi), 3 if lo < 10 else 0)
        order_day = (EPOCH + timedelta(seconds=created - rng.randint(1, 12) * DAY)).date()
        first, family = self._name(customer.country)
        alt_email = f"{self._personal_local(first[0], family)}@{rng.choice(T.PERSONAL_DOMAINS)}"
        facts = C.Facts(
            order=str(rng.randint(100_000, 9_999_999)),
            invoice=f"INV-{order_day.year}-{rng.randint(1, 99_999):05d}",
            amount=amount,
            currency=currency,
            product=rng.randrange(len(T.PRODUCTS_EN)),
            order_date=order_day,
            email=customer.email,
            alt_email=alt_email,
            phone=customer.phone,
            alt_phone=self.phone(customer.country),
            country=customer.country,
            customer_first=customer.first,
            agent_first=agent.first,
        )
        msgs: list[MessageDraft] = []
        t, truncated = created, False
        kinds = self.plan(bisect(MESSAGE_COUNT_CW, rng.random() * MESSAGE_COUNT_CW[-1]) + 1, resolved)
        for i, kind in enumerate(kinds):
            if i:
                t += (
                    rng.randint(3, 90)
                    if kind == "sys_auto"
                    else rng.randint(60, 3 * 3600)
                    if kind == "a_note"
                    else rng.randint(3600, 30 * 3600)
                    if kind == "sys_survey"
                    else self.gap()
                )
            if t > self.end:
                truncated = True
                break
            is_last_public = all(k in ("a_note", "sys_survey") for k in kinds[i + 1 :])
            if kind[0] == "c":
                v = variety if rng.random() < 0.92 else C.neighbor(rng, variety)
                body = (
                    C.customer_first(rng, v, topic, facts, mood, casual)
                    if kind == "c_open"
                    else C.customer_next(rng, v, topic, facts, mood, casual, kind == "c_thanks")
                )
                msgs.append(MessageDraft(t, "customer", customer, body, True, v))
            elif kind == "a_note":
                colleague = rng.choice(agents).first if rng.random() < 0.25 else None
                msgs.append(MessageDraft(t, "agent", agent, C.agent_note(rng, note_v, facts, colleague), False, note_v))
            elif kind[0] == "a":
                resolving = resolved and is_last_public
                body = (
                    C.agent_first(rng, agent_v, topic, facts, mood, ask=not resolved and rng.random() < 0.5)
                    if kind == "a_first"
                    else C.agent_next(rng, agent_v, topic, facts, resolving)
                )
                msgs.append(MessageDraft(t, "agent", agent, body, True, agent_v))
            else:
                msgs.append(MessageDraft(t, "system", bot, C.system_text(rng, sys_v, kind[4:]), True, sys_v))
        status = self.status(msgs, resolved and not truncated)
        has_agent = any(m.role == "agent" for m in msgs)
        assignee = agent if has_agent or status != "new" or rng.random() < 0.2 else None
        tags = set(T.TOPIC_TAGS[topic])
        tags.add("english" if variety == "english" else "arabizi" if variety == "arabizi" else "arabic")
        if mood == "angry":
            tags.add("complaint")
        if customer.vip:
            tags.add("vip")
        if channel == "whatsapp":
            tags.add("whatsapp")
        priority = self.priority(mood, customer.vip)
        subject = C.subject(rng, variety, topic, facts)
        return ConversationDraft(customer, assignee, subject, channel, status, priority, tuple(sorted(tags)), msgs)

    def status(self, msgs: list[MessageDraft], resolved: bool) -> str:
        """Status follows recency: old cases closed, fresh ones still new/open/pending."""
        rng, last_t = self.rng, msgs[-1].t
        if resolved:
            return "closed" if self.end - last_t > 4 * DAY and rng.random() < 0.85 else "solved"
        humans = [m for m in msgs if m.public and m.role != "system"]
        if not any(m.role == "agent" for m in humans):
            return "new" if self.end - msgs[0].t < 3 * DAY or rng.random() < 0.3 else "open"
        if humans[-1].role == "agent":
            return "pending" if rng.random() < 0.8 else "hold"
        return "open" if rng.random() < 0.88 else "hold"

    def priority(self, mood: str, vip: bool) -> str | None:
        r = self.rng.random()
        if vip or (mood == "angry" and r < 0.3):
            return "urgent" if r < 0.1 else "high"
        if r < 0.25:
            return None
        return "low" if r < 0.45 else "normal" if r < 0.9 else "high"
