#!/usr/bin/env python3
"""Writes src/insight/assets/grounding_eval.json: the labelled set of `custintel evaluate grounding`.

The committed JSON is the set; this script is how it was written, kept so that it can be read
and re-run (deterministic: fixed seed). Three shops, each with an entity catalog and the fact
sheets of its segments (the shape insight/fact_builders builds: size, share, LTV, CLV, churn,
recency, deltas against all customers, themes with counts and negative shares, top products,
playbook and review snippets). Texts are written as a builtin template or an LLM would write
them, numbers printed in the forms people use (34.5%, 35%, "about 35%", $1,235, $1.2k, 42
days ...). Faults are injected into texts written the same way:

  wrong_number          one number of the text changed: digits swapped, a near miss (3-8% off),
                        a shift of 12-45%, or a scale slip (x0.5 .. x2)
  wrong_subject_number  one number replaced by the same fact of ANOTHER segment of the shop,
                        printed the same way
  invented_entity       a product, segment, theme or category named that the shop does not have
  unsupported_claim     a sentence added that no fact or snippet supports

The faults are not filtered against the evaluator: a changed number that happens to equal some
other fact of the sheet stays in the set (the evaluator cannot catch it, and the figures say so).
Usage: python3 src/insight/tools/make_grounding_eval.py > src/insight/assets/grounding_eval.json
"""
import json
import math
import random

R = random.Random(20261121)

THEMES = {
    "shipping": "Shipping & delivery", "packaging": "Packaging", "quality": "Product quality",
    "price": "Price & value", "service": "Customer service", "returns": "Returns & warranty",
    "billing": "Billing", "usability": "Usability", "performance": "Performance & reliability",
    "account": "Account & login",
}
PLAYBOOK = {
    "shipping": ("Delivery recovery", "Apologise for late deliveries and refund the shipping fee on the next order"),
    "billing": ("Billing clarity", "Answer billing questions within one business day and explain every charge plainly"),
    "returns": ("Easy returns", "Send a prepaid return label at once and confirm the refund date"),
    "quality": ("Quality follow-up", "Open a quality case with the supplier for the products named in complaints and offer a replacement"),
    "packaging": ("Better packaging", "Ship a replacement for items damaged in transit and review the packaging with the warehouse"),
    "price": ("Value message", "Explain price changes plainly and give long-standing customers a one-off loyalty voucher"),
    "performance": ("Reliability fix", "Tell customers about the known issue and its workaround and follow up when it is fixed"),
    "service": ("Service recovery", "Reply to every complaint within two days and have a team lead follow up on low satisfaction scores"),
    "usability": ("Simpler ordering", "Send a short how-to guide for the features customers struggle with"),
    "account": ("Account access help", "Unlock accounts quickly after verifying the email address and guide the password reset"),
    "retention": ("Retention offer", "Offer the at-risk customers of the segment a discount on their next three orders"),
    "winback": ("Win-back series", "Send the win-back series to customers with no recent order"),
    "vip": ("VIP care", "Give a named contact and free express shipping to keep a valuable customer"),
    "crosssell": ("Broaden the basket", "Suggest products from a second category they would like"),
}
REVIEWS = {
    "shipping": ["Arrived 9 days late and nobody answered my emails.", "The parcel sat in a depot for a week, again."],
    "packaging": ["The box was crushed and two jars were broken.", "Leaking bottle, soaked everything else in the bag."],
    "quality": ["Stopped working after two weeks, very disappointed.", "The seams came apart on the second trip."],
    "price": ["Price went up again without any notice.", "Good product but no longer worth what they charge."],
    "service": ["Support closed my ticket without fixing anything.", "Waited 4 days for a reply from customer service."],
    "returns": ["Still waiting for my refund 3 weeks after the return.", "The return label never arrived."],
    "billing": ["I was charged twice for the same order.", "The invoice shows a fee nobody explained."],
    "usability": ["The app keeps logging me out when I try to reorder.", "Could not find where to change my plan."],
    "performance": ["The dashboard is slow every Monday morning.", "Sync fails about once a day."],
    "account": ["Locked out after the password reset, twice.", "The verification email never comes."],
}

SHOPS = [
    {"id": "pantry", "segments": [("High-value active", 0.12, 3.2, 0.12), ("At-risk churn", 0.21, 1.1, 0.71),
                                  ("Low-engagement new", 0.27, 0.4, 0.38), ("Regular", 0.40, 0.9, 0.22)],
     "products": ["Dark Roast Coffee Beans 1kg", "Organic Olive Oil 1L", "Tea Bags (80)", "Lavender Shampoo",
                  "Grain-Free Dog Food 5kg", "Eco Laundry Detergent", "Mint Toothpaste", "Chai Loose Leaf Tea 250g",
                  "Bulk Paper Towels (12)", "Wholegrain Pasta 500g"],
     "categories": ["Coffee & Tea", "Pantry", "Personal Care", "Household", "Pet Supplies"],
     "themes": ["shipping", "packaging", "quality", "price", "service", "returns"], "customers": 4930, "ltv": 410},
    {"id": "outdoor", "segments": [("Weekend Explorers", 0.18, 1.6, 0.19), ("Lapsed Campers", 0.23, 0.8, 0.76),
                                   ("Trail Regulars", 0.34, 1.2, 0.17), ("New Adventurers", 0.25, 0.5, 0.41)],
     "products": ["Trailblazer 40L Backpack", "Summit Down Jacket", "Ridge Trekking Poles", "Alpine 2-Person Tent",
                  "Merino Base Layer", "Headlamp 300", "Canyon Hiking Boots", "Storm Rain Shell"],
     "categories": ["Backpacks", "Tents", "Apparel", "Footwear", "Accessories"],
     "themes": ["quality", "returns", "shipping", "price", "service"], "customers": 2120, "ltv": 690},
    {"id": "software", "segments": [("Power Users", 0.15, 2.8, 0.09), ("Dormant Accounts", 0.26, 0.6, 0.68),
                                    ("Trial Converts", 0.22, 0.7, 0.33), ("Price-sensitive", 0.37, 0.8, 0.29)],
     "products": ["Starter Plan", "Team Plan", "Business Plan", "Analytics Add-on", "Extra Storage 100GB",
                  "Priority Support"],
     "categories": ["Plans", "Add-ons", "Services"],
     "themes": ["billing", "usability", "performance", "service", "account"], "customers": 8615, "ltv": 1180},
]

INVENTED = {
    "pantry": {"product": ["Cold Brew Concentrate", "Vanilla Oat Granola", "Bamboo Toothbrush Set", "Sparkling Lemon Water",
                           "Organic Honey Jar 500g", "Herbal Sleep Tea"],
               "segment": ["Dormant Big Spenders", "Weekend Bargain Hunters", "Loyal Subscribers", "Holiday Gifters"],
               "category": ["Baby & Kids", "Frozen Foods", "Garden"], "theme": ["sustainability", "app performance", "subscription"]},
    "outdoor": {"product": ["Glacier Sleeping Bag", "Peak Pro Sunglasses", "Ridge Trail Runner Shoes", "Basecamp Stove Kit",
                            "Summit Fleece Vest", "Aqua Hydration Pack"],
                "segment": ["Gear Collectors", "Urban Commuters", "Mountain Loyalists", "Seasonal Campers"],
                "category": ["Climbing", "Water Sports", "Bikes"], "theme": ["sizing", "warranty claims", "sustainability"]},
    "software": {"product": ["Enterprise Plan", "AI Assistant Add-on", "Mobile Pro", "Data Export Pack",
                             "Premium Onboarding", "Security Suite"],
                 "segment": ["Enterprise Champions", "Silent Churners", "Growth Teams", "Freemium Explorers"],
                 "category": ["Integrations", "Training", "Hardware"], "theme": ["onboarding", "integrations", "data privacy"]},
}

UNSUPPORTED = [
    "Most of them live in coastal cities and shop on their phones late at night.",
    "They respond far better to influencer campaigns on social media than to email.",
    "A competitor has recently undercut our prices across the whole range.",
    "Many of these customers are parents who buy in bulk before school holidays.",
    "The group is growing fastest among students in university towns.",
    "Their loyalty is driven mainly by the brand's commitment to sustainability.",
    "These shoppers prefer weekend deliveries and rarely open newsletters.",
    "Younger buyers in this group switch brands whenever a friend recommends one.",
    "Weather is the main reason they stop ordering for a while.",
    "They mostly discovered the shop through podcast sponsorships.",
    "This behaviour is typical of households with two incomes and little free time.",
    "Their basket sizes follow the payday cycle closely.",
    "Gift purchases make up the bulk of their spending in December.",
    "They tend to abandon carts when the checkout asks them to create an account.",
    "Most of them were referred by existing members through word of mouth.",
    "Local events and pop-up stores bring them back more than discounts do.",
    "They compare prices on marketplaces before every single purchase.",
    "The segment is dominated by small office managers buying for their teams.",
    "Mobile notifications annoy them, so they have mostly switched them off.",
    "A loyalty app launched last spring explains much of their recent activity.",
]

# Claims written by hand for issue 21 (places, groups of people, causes, channels, habits, time
# expressions), none from the writer's templates nor from UNSUPPORTED above; written before the
# evaluator's claim rule was run on them. Each is inserted into a grounded text (alternately an
# LLM-style text and a builtin-style text) as a case labelled unsupported_claim.
HAND_CLAIMS = [
    # places
    "Most of them live in Norway and shop at night.",
    "Nearly all of them order from rural areas far from a pickup point.",
    "The group is concentrated in the northern suburbs.",
    "They are mostly based overseas and pay in foreign currency.",
    "Demand from this group comes largely from Berlin and Munich.",
    "Many of them live downtown, close to our flagship store.",
    "A large share of them are located in coastal towns.",
    # groups of people
    "Most are young professionals in their late twenties.",
    "Retirees make up the core of this group.",
    "They are mainly students who share accounts with friends.",
    "This is largely a group of first-time parents.",
    "Women over fifty dominate the group.",
    "Small business owners buy here for their teams.",
    "Families with two or more children are the typical buyers here.",
    "Teenagers seem to be driving most of the recent orders.",
    # causes
    "The drop in orders is mostly due to the rainy summer.",
    "Their churn is driven by a cheaper competitor that opened nearby.",
    "Rising inflation explains why they buy less often.",
    "They left because the loyalty scheme was discontinued.",
    "Much of their spending is thanks to a viral video last year.",
    "Supply problems at the factory are the reason for their complaints.",
    "A price war in the market pushed them away.",
    # channels
    "They mainly find us through Instagram ads.",
    "Most of their orders are placed through the mobile app.",
    "They ignore our newsletters but reply to text messages.",
    "Word of mouth at local gyms brings in most new members.",
    "They usually click through from price comparison websites.",
    "Podcast listeners make up a growing part of the group.",
    "They prefer to order by phone rather than online.",
    # habits
    "They tend to pay with PayPal and rarely use cards.",
    "They place their orders late in the evening, after work.",
    "Most of them stock up once a month when they get paid.",
    "They usually fill their baskets and then wait for a voucher.",
    "Buying gifts for others accounts for most of their orders.",
    "They browse for weeks before buying anything.",
    "Orders tend to be split into instalments.",
    # time expressions
    "Their orders peak every December.",
    "They mostly come back during the summer holidays.",
    "This segment was much larger before the pandemic.",
    "Activity dropped sharply last winter.",
    "Most of them signed up during last year's spring sale.",
    "They were most active over the Easter weekend.",
    "Since the autumn their orders have slowed down.",
    "They order mostly on weekday mornings before nine.",
]


def fmt_int(v):
    return f"{int(round(v)):,}"


def fmt_money(v):
    return f"${abs(v):,.0f}" if abs(v) >= 100 else f"${abs(v):.2f}"


def half_up(v, d=0):
    q = 10 ** d
    return math.floor(abs(v) * q + 0.5) / q * (1 if v >= 0 else -1)


# Surface forms a writer uses for each unit; each returns the text of the number.
def pct_forms(frac):
    p = frac * 100
    return [f"{half_up(p, 1):.1f}%", f"{half_up(p):.0f}%", f"about {half_up(p):.0f}%", f"{half_up(p, 1):.1f} percent",
            f"roughly {half_up(p):.0f}%"]


def money_forms(v):
    forms = [fmt_money(v), f"about {fmt_money(v)}"]
    if abs(v) >= 1000:
        forms.append(f"${abs(v) / 1000:.1f}k")
    if abs(v) >= 100:
        forms.append(f"${abs(v):,.2f}")
    return forms


def count_forms(v):
    forms = [fmt_int(v)]
    if v >= 1000:
        forms += [f"{v / 1000:.1f}k", str(int(round(v)))]
    return forms


def days_forms(v):
    return [f"{half_up(v):.0f} days", f"about {half_up(v):.0f} days"]


def pick(forms):
    return R.choice(forms)


def make_sheets(shop):
    total = shop["customers"]
    sheets = []
    for name, share, ltv_mult, churn in shop["segments"]:
        share = max(0.02, share + R.uniform(-0.02, 0.02))
        size = round(total * share)
        share = size / total
        avg_ltv = shop["ltv"] * ltv_mult * R.uniform(0.9, 1.1)
        churn = min(0.95, churn + R.uniform(-0.04, 0.04))
        recency = 20 + churn * 160 + R.uniform(-8, 8)
        revenue_share = min(0.9, share * ltv_mult * R.uniform(0.85, 1.1))
        themes = R.sample(shop["themes"], 2)
        products = R.sample(shop["products"], 3)
        cats = R.sample(shop["categories"], 2)
        facts = [
            ("size", size, "count", "customers in the segment"),
            ("share", share, "percent", "share of all customers"),
            ("avg_ltv", avg_ltv, "money", "average lifetime value (spend to date)"),
            ("avg_clv", avg_ltv * R.uniform(0.5, 0.9), "money", "average predicted customer lifetime value"),
            ("avg_churn_risk", churn, "percent", "average churn risk"),
            ("revenue_share", revenue_share, "percent", "share of all revenue"),
            ("avg_recency", recency, "days", "average days since the last order"),
        ]
        ltv_delta = avg_ltv - shop["ltv"]
        churn_delta = churn - 0.31
        rec_delta = recency - 70
        facts += [
            ("avg_ltv_vs_all", abs(ltv_delta), "money",
             f"how far the segment's average lifetime value is {'above' if ltv_delta >= 0 else 'below'} the average of all customers"),
            ("avg_churn_risk_vs_all", abs(churn_delta), "percent",
             f"how far the segment's average churn risk is {'above' if churn_delta >= 0 else 'below'} the average of all customers"),
            ("avg_recency_vs_all", abs(rec_delta), "days",
             f"how far the segment's average days since the last order is {'above' if rec_delta >= 0 else 'below'} the average of all customers"),
        ]
        for key in themes:
            mentions = R.randint(25, 400)
            facts.append((f"theme_{key}_mentions", mentions, "count",
                          f"mentions of {THEMES[key]} in the segment's reviews and tickets"))
            facts.append((f"theme_{key}_negative_share", R.uniform(0.3, 0.85), "percent",
                          f"share of {THEMES[key]} mentions that are negative"))
        for i, p in enumerate(products):
            facts.append((f"product_{i + 1}_buyers", round(size * R.uniform(0.15, 0.6)), "count",
                          f"customers in the segment who bought {p}"))
        second = "retention" if churn >= 0.6 else ("vip" if ltv_delta > 0 else "crosssell")
        snippets = [{"id": f"playbook:{k}", "source": "note", "text": f"{PLAYBOOK[k][0]}: {PLAYBOOK[k][1]}.",
                     "score": 1.0} for k in (themes[0], second)]
        snippets.append({"id": f"review:R{R.randint(10000, 99999)}", "source": "review",
                         "text": R.choice(REVIEWS[themes[0]]), "score": 0.4})
        sheets.append({
            "subject": {"kind": "segment", "id": name}, "title": name,
            "facts": [{"name": n, "value": round(v, 6), "unit": u, "label": l} for n, v, u, l in facts],
            "snippets": snippets,
            "entities": [name] + [THEMES[k] for k in themes] + products + cats,
            "_themes": themes, "_products": products, "_cats": cats, "_second": second,
        })
    return sheets


def fact(sheet, name):
    return next(f for f in sheet["facts"] if f["name"] == name)


def forms_for(f):
    v = f["value"]
    return {"count": count_forms, "percent": pct_forms, "money": money_forms, "days": days_forms}[f["unit"]](v)


def above(sheet, name):
    return "above" in fact(sheet, name)["label"]


class Text:
    """A text being written: sentences, and for each number the fact it came from."""

    def __init__(self):
        self.sentences = []
        self.numbers = []  # (sentence index, surface, fact name, form index)

    def num(self, sheet, name, form=None):
        f = fact(sheet, name)
        forms = forms_for(f)
        i = R.randrange(len(forms)) if form is None else min(form, len(forms) - 1)
        self.numbers.append((len(self.sentences), forms[i], name, i))
        return forms[i]

    def points(self, surface):
        """Prints the last percent number as percentage points ("12.3%" -> "12.3 points")."""
        sent, old, name, form = self.numbers[-1]
        new = old.replace("%", " points")
        self.numbers[-1] = (sent, new, name, form)
        return new

    def add(self, s):
        self.sentences.append(s)

    def render(self, style):
        if style == "list":
            head, rest = self.sentences[:-2], self.sentences[-2:]
            return " ".join(head) + "\n" + "\n".join(f"{i + 1}. {s}" for i, s in enumerate(rest))
        return " ".join(self.sentences)


def size_sentence(t, s):
    n, sz, sh = s["title"], t.num(s, "size", R.choice([0, 0, 1, 2])), None
    sh = t.num(s, "share")
    return R.choice([
        f"The {n} segment holds {sz} customers ({sh} of all).",
        f"{n} has {sz} customers, {sh} of all customers.",
        f"With {sz} customers, {n} makes up {sh} of the customer base.",
        f"There are {sz} customers in {n}, which is {sh} of everyone who bought from us.",
        f"{n}: {sz} customers, or {sh} of the base.",
    ])


def value_sentence(t, s):
    ltv, side = t.num(s, "avg_ltv"), "above" if above(s, "avg_ltv_vs_all") else "below"
    d = t.num(s, "avg_ltv_vs_all", 0)
    return R.choice([
        f"Their average lifetime value is {ltv}, {d} {side} the average of all customers.",
        f"On average each of them has spent {ltv} to date, {d} {side} the overall average.",
        f"Average spend to date sits at {ltv} ({d} {side} the average customer).",
    ])


def clv_sentence(t, s):
    clv = t.num(s, "avg_clv")
    return R.choice([f"Their predicted customer lifetime value averages {clv}.",
                     f"The model predicts an average lifetime value of {clv} per customer.",
                     f"Predicted CLV is {clv} on average."])


def churn_sentence(t, s):
    c, side = t.num(s, "avg_churn_risk"), "above" if above(s, "avg_churn_risk_vs_all") else "below"
    d = t.points(t.num(s, "avg_churn_risk_vs_all", 0))
    r = t.num(s, "avg_recency", R.choice([0, 1]))
    return R.choice([
        f"Average churn risk is {c}, {d} {side} the average of all customers, and {r} have passed since their last order on average.",
        f"Their churn risk averages {c} ({d} {side} all customers); the last order was {r} ago on average.",
        f"At {c}, their average churn risk is {d} {side} the rest of the base, and they last ordered {r} ago.",
    ])


def revenue_sentence(t, s):
    rv = t.num(s, "revenue_share")
    return R.choice([f"They bring {rv} of all revenue.", f"Together they account for {rv} of revenue.",
                     f"This group generates {rv} of total revenue."])


def theme_sentence(t, s):
    k = s["_themes"][0]
    m, neg = t.num(s, f"theme_{k}_mentions", 0), t.num(s, f"theme_{k}_negative_share")
    name = THEMES[k]
    return R.choice([
        f"The theme they raise most is {name}, with {m} mentions in their reviews and tickets, {neg} of them negative.",
        f"{name} comes up most often: {m} mentions, {neg} negative.",
        f"Complaints centre on {name.lower()} ({m} mentions, {neg} of them negative).",
        f"In reviews and tickets they mostly talk about {name} ({m} mentions), and {neg} of those mentions are negative.",
    ])


def product_sentence(t, s):
    ps = s["_products"]
    a, b = t.num(s, "product_1_buyers", 0), t.num(s, "product_2_buyers", 0)
    return R.choice([
        f"The products bought by the most customers in the segment are {ps[0]} ({a} customers) and {ps[1]} ({b} customers).",
        f"{ps[0]} is their favourite product, bought by {a} of them, followed by {ps[1]} with {b} buyers.",
        f"Top sellers here: {ps[0]} ({a} buyers) and {ps[1]} ({b}).",
    ])


def quote_sentence(t, s):
    q = next(x for x in s["snippets"] if x["source"] == "review")["text"].rstrip(".")
    return R.choice([f"One customer wrote: \u201c{q}.\u201d", f"As one review puts it, \"{q}\".",
                     f"A typical review reads \u201c{q}\u201d."])


def category_sentence(t, s):
    a, b = s["_cats"]
    return R.choice([f"Most of their orders fall in the {a} and {b} categories.",
                     f"They buy mainly from {a}, then {b}.", f"{a} and {b} are the categories they favour."])


def action_sentences(t, s):
    k, second = s["_themes"][0], s["_second"]
    a1, a2 = PLAYBOOK[k][1], PLAYBOOK[second][1]
    first = R.choice([f"What might help: {a1[0].lower() + a1[1:]}.", f"{a1}.",
                      f"Next best action: {a1[0].lower() + a1[1:]}.", f"Consider this step first: {a1[0].lower() + a1[1:]}."])
    return [first, R.choice([f"{a2}.", f"Then {a2[0].lower() + a2[1:]}.", f"Also, {a2[0].lower() + a2[1:]}."])]


BODY = [value_sentence, clv_sentence, churn_sentence, revenue_sentence, theme_sentence, product_sentence,
        quote_sentence, category_sentence]


def write_text(s):
    t = Text()
    t.add(size_sentence(t, s))
    for f in R.sample(BODY, R.randint(3, 5)):
        t.add(f(t, s))
    for a in action_sentences(t, s):
        t.add(a)
    return t


def perturb(surface, rng):
    """A number no fact has: digits swapped, shifted (a near miss of 3-8% or 12-45%) or scaled,
    keeping the surface form."""
    import re
    m = re.search(r"\d[\d,]*(\.\d+)?", surface)
    digits = m.group(0)
    plain = digits.replace(",", "")
    dec = len(m.group(1)) - 1 if m.group(1) else 0
    v = float(plain)
    kind = rng.choice(["shift", "shift", "swap", "scale", "near"])
    if kind == "swap" and len(plain.replace(".", "")) >= 2 and len(set(plain.replace(".", ""))) > 1:
        chars = list(plain)
        idx = [i for i, c in enumerate(chars) if c.isdigit()]
        for _ in range(10):
            i = rng.randrange(len(idx) - 1)
            a, b = idx[i], idx[i + 1]
            if chars[a] != chars[b]:
                chars[a], chars[b] = chars[b], chars[a]
                break
        nv = float("".join(chars))
    elif kind == "scale":
        nv = v * rng.choice([1.5, 2.0, 0.5, 0.6])
    elif kind == "near":  # a near miss: 3-8% off, the kind of slip that reads plausibly
        nv = v * (1 + rng.choice([-1, 1]) * rng.uniform(0.03, 0.08))
    else:
        nv = v * (1 + rng.choice([-1, 1]) * rng.uniform(0.12, 0.45))
    if round(nv, dec) == round(v, dec):
        nv = v * 1.3 + 1
    new = f"{nv:,.{dec}f}" if "," in digits else f"{nv:.{dec}f}"
    return surface.replace(digits, new, 1)


def case(shop, sheet, text, faults, note):
    return {"shop": shop["id"], "subject": sheet["title"], "text": text, "faults": faults, "note": note}


def inject_wrong_number(t, s, shop, others):
    i = R.randrange(len(t.numbers))
    sent, surface, name, _ = t.numbers[i]
    t.sentences[sent] = t.sentences[sent].replace(surface, perturb(surface, R), 1)
    return f"changed {name} '{surface}'"


def inject_wrong_subject(t, s, shop, others):
    R.shuffle(t.numbers)
    for sent, surface, name, form in t.numbers:
        other = R.choice(others)
        of = next((f for f in other["facts"] if f["name"] == name), None)
        if of is None:
            continue
        new = forms_for(of)[min(form, len(forms_for(of)) - 1)]
        if surface.endswith(" points"):
            new = new.replace("%", " points")
        if new == surface:
            continue
        t.sentences[sent] = t.sentences[sent].replace(surface, new, 1)
        return f"{name} '{surface}' replaced by {other['title']}'s '{new}'"
    return None


def inject_entity(t, s, shop, others):
    inv = INVENTED[shop["id"]]
    kind = R.choice(["product", "product", "product", "segment", "category", "theme"])
    name = R.choice(inv[kind])
    if kind == "product":
        sent = R.choice([f"Many of them also buy {name} alongside their usual order.",
                         f"Bundle {name} with their next order to raise the basket.",
                         f"{name} is the product they reorder most after a complaint is resolved.",
                         f"Suggest the \u201c{name}\u201d to customers who already buy {s['_products'][0]}."])
    elif kind == "segment":
        sent = R.choice([f"Many of them resemble the {name} segment in how often they order.",
                         f"Customers who leave often move on to {name}.",
                         f"Their profile overlaps with {name}, who buy from {s['_cats'][0]}."])
    elif kind == "category":
        sent = R.choice([f"They also spend a lot in the {name} category.",
                         f"Products from {name} are a natural next step for them."])
    else:
        sent = R.choice([f"The {name} theme also comes up often in their tickets.",
                         f"Reviews often mention {name} as a theme."])
    t.sentences.insert(R.randrange(1, len(t.sentences)), sent)
    return f"{kind} '{name}'"


def inject_unsupported(t, s, shop, others):
    sent = UNSUPPORTED[inject_unsupported.n % len(UNSUPPORTED)]
    inject_unsupported.n += 1
    t.sentences.insert(R.randrange(1, len(t.sentences)), sent)
    return f"added '{sent}'"


inject_unsupported.n = 0

INJECT = {"wrong_number": inject_wrong_number, "wrong_subject_number": inject_wrong_subject,
          "invented_entity": inject_entity, "unsupported_claim": inject_unsupported}


# Hand-written texts in the free style of an LLM (markdown, bullets, hedges, years, weekdays),
# filled with the sheet's own figures. Written before running the evaluator on them.
LLM_STYLE = [
    "## {title}\n**Who they are:** {size} customers, about {share0} of the base, bringing in {rev0} of revenue.\n"
    "**Why they behave this way:** average churn risk is {churn1} ({churnd} points {churnside} the overall average), "
    "and the typical customer last ordered {rec} ago.\n**What to do:** {Action1}.",
    "{title} is a group of {size} customers ({share1} of everyone). On average they have spent {ltv} so far, which is "
    "{ltvd} {ltvside} the average customer, and the model expects a lifetime value of roughly {clv} each. "
    "Their feedback keeps returning to {theme}: {mentions} mentions, {neg0} of them negative. Our recommendation: {action1}.",
    "Key facts for {title}:\n- Size: {size} customers ({share0})\n- Revenue share: {rev1}\n- Average churn risk: {churn0}\n"
    "- Days since last order: {rec} on average\nTop products: {p1} ({b1} buyers) and {p2} ({b2} buyers).",
    "In short, {title} accounts for {rev0} of revenue from {share0} of customers. The biggest pain point is {theme_l}, "
    "raised {mentions} times. As one customer put it, \"{quote}\" Two things could help. First, {action1}. Second, {action2}.",
    "With an average lifetime value of {ltv} and a churn risk near {churn0}, {title} deserves attention in 2026. "
    "They favour the {c1} and {c2} categories, and {p1} is bought by {b1} of them. Recommended next step: {action2}.",
    "{title}: {size} customers. Their average churn risk of {churn1} is {churnd} points {churnside} the base, and on "
    "average {rec} have passed since their last purchase. Reviews mention {theme} most ({mentions} mentions). "
    "Suggested actions:\n1. {Action1}.\n2. {Action2}.",
    "Roughly {share0} of our customers ({size}) sit in {title}. They generate {rev1} of all revenue and have spent "
    "{ltv} each on average. The products they buy most are {p1}, {p2} and {p3}. {Action2}.",
    "Summary of {title}. Size: {size} customers, {share1} of all. Lifetime value: {ltv} on average, {ltvd} {ltvside} "
    "the average. Churn risk: {churn1}. Most discussed theme: {theme} ({neg0} negative). Next best action: {action1}.",
    "Customers in {title} last ordered about {rec} ago on average, and their churn risk averages {churn0}. "
    "Complaints about {theme_l} are common ({mentions} mentions), for example: \u201c{quote}\u201d "
    "We suggest the following on Monday's campaign: {action1}.",
    "{title} makes up {share1} of the customer base ({size} people) and {rev1} of revenue. Their predicted customer "
    "lifetime value is {clv} on average. Top categories are {c1} and {c2}; the top 3 products include {p1} and {p2}. "
    "To keep them, {action2}.",
    "Here are the highlights for {title}: average spend to date of {ltv}, an average churn risk of {churn1}, and "
    "{mentions} mentions of {theme} in reviews and tickets. {p1} is their favourite product ({b1} buyers). "
    "What might help: {action1}.",
    "- {title}: {size} customers ({share0} of all)\n- Churn risk: {churn1}, {churnd} points {churnside} all customers\n"
    "- Revenue: {rev0} of the total\n- Main theme: {theme}, {neg0} negative\n- Action: {Action1}.",
]


def llm_style_text(s, template):
    f = lambda n: fact(s, n)
    k = s["_themes"][0]
    a1, a2 = PLAYBOOK[k][1], PLAYBOOK[s["_second"]][1]
    pct1 = lambda n: f"{half_up(f(n)['value'] * 100, 1):.1f}%"
    pct0 = lambda n: f"{half_up(f(n)['value'] * 100):.0f}%"
    values = {
        "title": s["title"], "size": fmt_int(f("size")["value"]), "share0": pct0("share"), "share1": pct1("share"),
        "rev0": pct0("revenue_share"), "rev1": pct1("revenue_share"), "churn0": pct0("avg_churn_risk"),
        "churn1": pct1("avg_churn_risk"), "churnd": f"{half_up(f('avg_churn_risk_vs_all')['value'] * 100, 1):.1f}",
        "churnside": "above" if above(s, "avg_churn_risk_vs_all") else "below",
        "ltv": fmt_money(f("avg_ltv")["value"]), "ltvd": fmt_money(f("avg_ltv_vs_all")["value"]),
        "ltvside": "above" if above(s, "avg_ltv_vs_all") else "below", "clv": fmt_money(f("avg_clv")["value"]),
        "rec": f"{half_up(f('avg_recency')['value']):.0f} days", "theme": THEMES[k], "theme_l": THEMES[k].lower(),
        "mentions": fmt_int(f(f"theme_{k}_mentions")["value"]), "neg0": pct0(f"theme_{k}_negative_share"),
        "p1": s["_products"][0], "p2": s["_products"][1], "p3": s["_products"][2],
        "b1": fmt_int(f("product_1_buyers")["value"]), "b2": fmt_int(f("product_2_buyers")["value"]),
        "c1": s["_cats"][0], "c2": s["_cats"][1], "Action1": a1, "Action2": a2,
        "action1": a1[0].lower() + a1[1:], "action2": a2[0].lower() + a2[1:],
        "quote": next(x for x in s["snippets"] if x["source"] == "review")["text"],
    }
    return template.format(**values)


def main():
    shops_out, cases = [], []
    all_sheets = {}
    for shop in SHOPS:
        sheets = make_sheets(shop)
        all_sheets[shop["id"]] = sheets
        catalog = {"segments": [n for n, *_ in shop["segments"]], "products": shop["products"],
                   "themes": [THEMES[k] for k in shop["themes"]], "categories": shop["categories"]}
        shops_out.append({"id": shop["id"], "catalog": catalog,
                          "sheets": [{k: v for k, v in sh.items() if not k.startswith("_")} for sh in sheets]})
    plan = [("grounded", 48)] + [(k, 44) for k in INJECT]
    for i, template in enumerate(LLM_STYLE):
        shop = SHOPS[i % len(SHOPS)]
        s = all_sheets[shop["id"]][(i // len(SHOPS)) % 4]
        c = case(shop, s, llm_style_text(s, template), [], "grounded, hand-written LLM style")
        c["id"] = f"grounded-llm-{i + 1:02d}"
        cases.append(c)
    for label, n in plan:
        made = 0
        while made < n:
            shop = SHOPS[made % len(SHOPS)]
            sheets = all_sheets[shop["id"]]
            s = sheets[(made // len(SHOPS)) % len(sheets)]
            t = write_text(s)
            note = "grounded"
            if label != "grounded":
                note = INJECT[label](t, s, shop, [o for o in sheets if o is not s])
                if note is None:
                    continue
            style = "list" if R.random() < 0.25 else "prose"
            c = case(shop, s, t.render(style), [] if label == "grounded" else [label], note)
            c["id"] = f"{label}-{made + 1:02d}"
            cases.append(c)
            made += 1
    # Hand-written claims (issue 21), with their own random stream so the cases above stay as they were.
    rc = random.Random(2112)
    for i, claim in enumerate(HAND_CLAIMS):
        shop = SHOPS[i % len(SHOPS)]
        s = all_sheets[shop["id"]][(i // len(SHOPS)) % 4]
        if i % 2 == 0:
            text = llm_style_text(s, LLM_STYLE[(i // 2) % len(LLM_STYLE)])
            cut = text.find(". ")
            text = text[:cut + 2] + claim + " " + text[cut + 2:] if cut >= 0 else text + " " + claim
        else:
            t = write_text(s)
            t.sentences.insert(rc.randrange(1, len(t.sentences)), claim)
            text = t.render("prose")
        c = case(shop, s, text, ["unsupported_claim"], f"hand-written claim '{claim}'")
        c["id"] = f"claim-hand-{i + 1:02d}"
        cases.append(c)
    out = {"version": 1,
           "description": "Labelled texts for `custintel evaluate grounding` (issue 7). Written by "
                          "src/insight/tools/make_grounding_eval.py; faults: wrong_number, wrong_subject_number, "
                          "invented_entity, unsupported_claim.",
           "shops": shops_out, "cases": cases}
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
