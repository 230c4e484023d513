"""Draft the world's companies and people, and the time window everything happens in."""

from __future__ import annotations

import math
import random
from bisect import bisect
from datetime import datetime, timedelta
from itertools import accumulate

from vendor_sandbox import compose as C
from vendor_sandbox import texts as T
from vendor_sandbox.world.drafts import DAY, EPOCH, CompanyDraft, ConversationDraft, PersonDraft
from vendor_sandbox.world.model import WorldConfig

# Per conversation: tuned so the per-message mix lands near the target
# (msa 15, gulf 25, egyptian 25, english 20, arabizi 8, code_switched 7) once
# agents answering in MSA/English and system/internal messages are counted.
CUSTOMER_VARIETY = (("msa", 3), ("gulf", 35), ("egyptian", 34), ("english", 13), ("arabizi", 9), ("code_switched", 6))
HOUR_WEIGHTS = (3, 2, 1, 1, 1, 2, 4, 8, 12, 16, 18, 18, 17, 16, 16, 15, 14, 13, 12, 13, 14, 13, 10, 6)
HOUR_CW = tuple(accumulate(HOUR_WEIGHTS))


class Drafter:
    """Holds the rng and time window while drafting; one instance per build."""

    def __init__(self, config: WorldConfig, anchor: datetime) -> None:
        self.cfg = config
        self.rng = random.Random(config.seed)
        self.end = math.ceil(anchor.timestamp()) - 1  # last allowed second (< anchor)
        self.start = math.ceil((anchor - timedelta(days=config.days)).timestamp())
        self.emails: set[str] = set()
        base_day = (EPOCH + timedelta(seconds=self.start)).date()
        self.base = self.start - self.start % DAY
        self.ndays = (self.end - self.base) // DAY + 2
        self.day_cw = {
            weekend: tuple(
                accumulate(
                    (0.55 if (base_day + timedelta(days=i)).weekday() in weekend else 1.0) for i in range(self.ndays)
                )
            )
            for weekend in ((4, 5), (5, 6))
        }

    # ------------------------------------------------------------ people and companies
    def companies(self) -> list[CompanyDraft]:
        rng, out, domains = self.rng, [], set()
        countries = T.COMPANY_COUNTRIES
        for _ in range(max(3, round(self.cfg.tickets / 25))):
            country = C.pick_weighted(rng, countries)
            stem = rng.choice([s for s in T.COMPANY_STEMS if s[3] in (None, country)])
            kind = rng.choice(T.COMPANY_TYPES)
            arabic_name = country not in ("GB", "US") and rng.random() < 0.25
            name = kind[1].format(stem[1]) if arabic_name else f"{stem[0]} {kind[0]}"
            if not arabic_name and rng.random() < 0.35:
                name += T.COMPANY_SUFFIX[country]
            slug, tld, n = f"{stem[2]}-{kind[2]}", rng.choice(T.TLDS[country]), 1
            domain = f"{slug}.{tld}"
            while domain in domains:
                n += 1
                domain = f"{slug}{n}.{tld}"
            domains.add(domain)
            out.append(CompanyDraft(name, domain, country))
        return out

    def _name(self, country: str) -> tuple[tuple[str, str], str]:
        rng = self.rng
        western = country in ("GB", "US") and rng.random() < 0.5
        first = rng.choice(T.FIRST_WESTERN if western else T.FIRST_MALE if rng.random() < 0.55 else T.FIRST_FEMALE)
        family = rng.choice(T.FAMILY_WESTERN if western else T.FAMILY_EGYPT if country == "EG" else T.FAMILY_GULF)
        return first, family

    def _unique_email(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def _personal_local(self, first: str, family: str) -> str:
        f, fam, rng = first.lower(), family.lower(), self.rng
        return rng.choice(
            (
                f"{f}.{fam}",
                f"{f}{fam}",
                f"{f}_{fam}",
                f"{f}.{fam}{rng.randint(1, 99)}",
                f"{f}{rng.randint(80, 105) % 100:02d}",
                f"{f[0]}.{fam}",
            )
        )

    def phone(self, country: str) -> str:
        cc, prefixes, length = T.PHONE_PLANS[country]
        return f"+{cc}{self.rng.choice(prefixes)}{self.rng.randrange(10 ** (length - 1), 10**length)}"

    def customers(self, companies: list[CompanyDraft]) -> list[PersonDraft]:
        rng, out = self.rng, []
        by_country: dict[str, list[CompanyDraft]] = {}
        for co in companies:
            by_country.setdefault(co.country, []).append(co)
        n = max(5, round(self.cfg.tickets / 3))
        total = sum(w for _, w in CUSTOMER_VARIETY)  # stratified: the mix holds even for small worlds
        pool = [v for v, w in CUSTOMER_VARIETY for _ in range(round(n * w / total))]
        pool += [C.pick_weighted(rng, CUSTOMER_VARIETY) for _ in range(n - len(pool))]
        rng.shuffle(pool)
        for variety in pool[:n]:
            country = C.pick_weighted(rng, T.COUNTRY_BY_VARIETY[variety])
            company = rng.choice(by_country[country]) if country in by_country and rng.random() < 0.72 else None
            first, family = self._name(country)
            if company is not None:
                email = self._unique_email(f"{first[0].lower()}.{family.lower()}", company.domain)
            else:
                email = self._unique_email(self._personal_local(first[0], family), rng.choice(T.PERSONAL_DOMAINS))
            phone = self.phone(country) if rng.random() < 0.7 else None
            english = variety in ("english", "arabizi") or (variety == "code_switched" and rng.random() < 0.5)
            out.append(
                PersonDraft(
                    f"{first[0]} {family}",
                    first,
                    email,
                    phone,
                    "customer",
                    company,
                    country,
                    variety,
                    "en" if english else "ar",
                    vip=rng.random() < 0.05,
                )
            )
        return out

    def agents(self) -> list[PersonDraft]:
        out = []
        for _ in range(max(5, round(self.cfg.tickets / 400))):
            first, family = self._name("SA" if self.rng.random() < 0.5 else "EG")
            email = self._unique_email(f"{first[0].lower()}.{family.lower()}", T.SUPPORT_DOMAIN)
            locale = "en" if self.rng.random() < 0.3 else "ar"
            out.append(PersonDraft(f"{first[0]} {family}", first, email, None, "agent", None, "SA", "msa", locale))
        return out

    # ------------------------------------------------------------ conversations
    def created_at(self, country: str) -> int:
        """A moment in business-ish local hours, weekdays favoured; within the window."""
        rng, lo = self.rng, self.start + 600
        cw = self.day_cw[T.WEEKEND.get(country, (4, 5))]
        offset = T.UTC_OFFSET[country] * 3600
        for _ in range(12):
            day = bisect(cw, rng.random() * cw[-1])
            hour = bisect(HOUR_CW, rng.random() * HOUR_CW[-1])
            t = self.base + day * DAY + hour * 3600 + rng.randrange(3600) - offset
            if lo <= t <= self.end:
                return t
        return rng.randint(lo, max(lo, self.end))

    def gap(self) -> int:
        r, rng = self.rng.random(), self.rng
        if r < 0.30:
            return rng.randint(120, 3600)
        if r < 0.62:
            return rng.randint(3600, 6 * 3600)
        if r < 0.85:
            return rng.randint(6 * 3600, DAY)
        return rng.randint(DAY, 2 * DAY)

    def delete_some(self, convs: list[ConversationDraft]) -> None:
        rng = self.rng
        eligible = [i for i, c in enumerate(convs) if c.msgs[-1].t < self.end]
        k = min(len(eligible), round(len(convs) * self.cfg.deleted_fraction))
        for i in sorted(rng.sample(eligible, k)):
            last = convs[i].msgs[-1].t
            convs[i].deleted = (
                min(self.end, last + rng.randint(3600, 14 * DAY))
                if last + 3600 <= self.end
                else rng.randint(last + 1, self.end)
            )

    def stamp(self, person: PersonDraft) -> None:
        """created before first activity (often moments before, as helpdesks auto-create users)."""
        rng = self.rng
        if person.first_seen is None:
            person.created = rng.randint(self.start, self.end)
        elif rng.random() < 0.5:
            person.created = max(self.start, person.first_seen - rng.randint(1, 120))
        else:
            person.created = rng.randint(self.start, person.first_seen - 1)
        person.updated = person.created if rng.random() < 0.5 else rng.randint(person.created, self.end)
