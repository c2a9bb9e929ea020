"""Small embedded word lists the generator draws from (no Faker, no network).

Every list is a tuple of plain ASCII strings without quotes or backslashes, so the
JSON lines of the events feed can be assembled without escaping (checked by
``assert_json_safe`` at import time). Weights are relative, not normalised.
"""

from __future__ import annotations

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Paul", "Emily",
    "Steven", "Kimberly", "Andrew", "Michelle", "Joshua", "Amanda", "Oliver", "Sophie", "Lukas", "Emma",
    "Noah", "Mia", "Leon", "Hannah", "Louis", "Camille", "Hugo", "Chloe", "Lucas", "Ines",
    "Jack", "Olivia", "Harry", "Amelia", "Liam", "Isla", "Mateo", "Lucia", "Daan", "Julia",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Moreau", "Laurent", "Bernard", "Petit",
    "Evans", "Hughes", "Wood", "Jansen", "DeVries", "Bakker", "Fernandez", "Gonzalez", "Sanchez", "Rossi",
)  # fmt: skip

EMAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "hotmail.com",
    "proton.me",
    "gmx.de",
    "orange.fr",
)
EMAIL_DOMAIN_WEIGHTS = (40, 10, 14, 12, 8, 4, 6, 6)

#: (country_code, weight, E.164 calling code, national significant number length, tax rate in basis points,
#:  free-shipping threshold in cents, flat shipping fee in cents, cities)
COUNTRIES = (
    ("US", 50, "1", 10, 700, 7500, 599, ("New York", "Los Angeles", "Chicago", "Houston", "Seattle", "Austin")),
    ("GB", 12, "44", 10, 2000, 10000, 1299, ("London", "Manchester", "Bristol", "Leeds", "Glasgow")),
    ("DE", 9, "49", 11, 1900, 10000, 1299, ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt")),
    ("FR", 7, "33", 9, 2000, 10000, 1299, ("Paris", "Lyon", "Marseille", "Toulouse", "Lille")),
    ("CA", 8, "1", 10, 1300, 10000, 1299, ("Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa")),
    ("NL", 4, "31", 9, 2100, 10000, 1299, ("Amsterdam", "Rotterdam", "Utrecht", "The Hague")),
    ("AU", 5, "61", 9, 1000, 10000, 1499, ("Sydney", "Melbourne", "Brisbane", "Perth")),
    ("ES", 5, "34", 9, 2100, 10000, 1299, ("Madrid", "Barcelona", "Valencia", "Seville")),
)

#: category -> (sku prefix, return-rate weight, ((subcategory, sku part, median price USD, nouns), ...))
CATEGORIES = (
    ("Apparel", "APP", 1.6, (
        ("Tops", "TOP", 32.0, ("Tee", "Shirt", "Hoodie", "Sweater", "Polo")),
        ("Bottoms", "BOT", 58.0, ("Jeans", "Chinos", "Shorts", "Joggers")),
        ("Outerwear", "OUT", 129.0, ("Jacket", "Parka", "Coat", "Vest")),
    )),
    ("Footwear", "FTW", 1.5, (
        ("Sneakers", "SNK", 95.0, ("Runner", "Court Sneaker", "Trainer")),
        ("Boots", "BOO", 149.0, ("Chelsea Boot", "Hiking Boot", "Work Boot")),
        ("Sandals", "SAN", 45.0, ("Slide", "Sandal")),
    )),
    ("Accessories", "ACC", 0.7, (
        ("Bags", "BAG", 69.0, ("Backpack", "Tote", "Crossbody Bag", "Duffel")),
        ("Hats", "HAT", 26.0, ("Beanie", "Cap", "Bucket Hat")),
        ("Jewelry", "JEW", 39.0, ("Necklace", "Bracelet", "Ring", "Earrings")),
    )),
    ("Home", "HOM", 0.6, (
        ("Kitchen", "KIT", 34.0, ("Mug Set", "Knife", "Pan", "Cutting Board")),
        ("Decor", "DEC", 42.0, ("Candle", "Vase", "Throw Pillow", "Print")),
        ("Bedding", "BED", 79.0, ("Duvet Cover", "Sheet Set", "Blanket")),
    )),
    ("Beauty", "BEA", 0.4, (
        ("Skincare", "SKN", 28.0, ("Serum", "Moisturizer", "Cleanser", "Face Mask")),
        ("Fragrance", "FRG", 65.0, ("Eau de Parfum", "Body Mist", "Cologne")),
    )),
)  # fmt: skip

ADJECTIVES = (
    "Classic", "Essential", "Everyday", "Heritage", "Urban", "Coastal", "Alpine", "Modern", "Vintage", "Premium",
    "Lightweight", "Organic", "Signature", "Relaxed", "Weekend", "Studio",
)  # fmt: skip
COLOURS = ("Black", "White", "Navy", "Olive", "Sand", "Grey", "Rust", "Sage", "Cream", "Charcoal")

BRANDS = (
    "Northwind", "Harbor & Pine", "Fieldnote", "Kestrel", "Lumen", "Oakridge", "Saltwater Co", "Tidewell",
    "Brightfold", "Cedar Lane", "Monarch", "Juniper",
)  # fmt: skip

#: (channel, weight) of the shop's sales channels (contract accepted values).
CHANNELS = (("web", 52), ("mobile_app", 23), ("marketplace", 15), ("pos", 10))

#: Discount codes: (code, percent off in basis points, free shipping).
DISCOUNT_CODES = (
    ("WELCOME10", 1000, False),
    ("SAVE15", 1500, False),
    ("VIP20", 2000, False),
    ("FREESHIP", 0, True),
    ("BFCM25", 2500, False),
    ("FLASH30", 3000, False),
)

#: Paid platforms and their UTM tagging; agrees with dbt/seeds/ad_platform_channels.csv.
PLATFORM_UTM = {
    "google_ads": ("google", "cpc"),
    "meta_ads": ("facebook", "paid_social"),
    "tiktok_ads": ("tiktok", "paid_social"),
}

#: Campaigns: (platform, name template, start (MM-DD or 'BF-n'), end, relative daily budget,
#: cost per click USD, click-through rate). '{year}' is replaced by the calendar year;
#: start/end None = always on. BF = Black Friday of that year.
CAMPAIGNS = (
    ("google_ads", "google_search_brand", None, None, 1.0, 0.45, 0.085),
    ("google_ads", "google_search_generic", None, None, 1.6, 1.10, 0.035),
    ("google_ads", "google_shopping_all_products", None, None, 2.0, 0.70, 0.012),
    ("google_ads", "google_pmax_summer_{year}", "06-01", "07-31", 1.2, 0.80, 0.010),
    ("google_ads", "google_pmax_holiday_{year}", "10-15", "12-24", 2.4, 0.95, 0.011),
    ("meta_ads", "meta_prospecting_broad", None, None, 1.8, 0.65, 0.011),
    ("meta_ads", "meta_retargeting_dpa", None, None, 0.9, 0.50, 0.019),
    ("meta_ads", "meta_spring_sale_{year}", "03-15", "04-15", 1.5, 0.60, 0.013),
    ("meta_ads", "meta_back_to_school_{year}", "08-01", "09-10", 1.2, 0.60, 0.012),
    ("meta_ads", "meta_bfcm_{year}", "BF-10", "BF+4", 3.5, 0.85, 0.016),
    ("tiktok_ads", "tiktok_spark_always_on", "04-01", None, 0.8, 0.40, 0.008),
    ("tiktok_ads", "tiktok_holiday_{year}", "11-01", "12-20", 1.6, 0.45, 0.009),
)

#: Where a web session or an order came from (shares of sessions): kind, weight.
TRAFFIC_SOURCES = (("direct", 30), ("organic", 24), ("paid", 27), ("email", 11), ("referral", 8))

#: Organic search referrers and weights; hosts agree with dbt/seeds/referrer_sources.csv.
ORGANIC_REFERRERS = (
    ("https://www.google.com/", 78),
    ("https://www.bing.com/", 9),
    ("https://duckduckgo.com/", 7),
    ("https://www.google.co.uk/", 6),
)
REFERRAL_REFERRERS = (
    ("https://www.reddit.com/r/malefashionadvice/", 3),
    ("https://www.pinterest.com/", 4),
    ("https://l.instagram.com/", 5),
    ("https://www.heritagestylejournal.com/gift-guide/", 2),
    ("https://www.dealnews.com/", 2),
)
#: Affiliate/referral UTM tagging used on some referral orders/sessions.
AFFILIATE_SOURCES = ("rakuten", "skimlinks", "heritagestylejournal")

DEVICE_TYPES = (("desktop", 38), ("mobile", 54), ("tablet", 8))

#: Support: ticket reasons -> subject (prefix, suffix) around the order number; '' prefix = no order number.
TICKET_SUBJECTS = {
    "wismo": (("Where is my order #", "?"), ("Order #", " not arrived yet"), ("Tracking for order #", " not updating")),
    "return": (("Return request for order #", ""), ("How do I return order #", "?"), ("Refund status order #", "")),
    "cancel": (("Please cancel order #", ""), ("Cancel my order #", " asap"), ("Cancellation order #", "")),
    "damaged": (("Item damaged in order #", ""), ("Wrong size received, order #", ""), ("Missing item in order #", "")),
    "presales": (
        ("Question about sizing", ""),
        ("Do you ship to my country?", ""),
        ("Discount code not working", ""),
        ("Is this product back in stock?", ""),
    ),
}
TICKET_CHANNELS = (("email", 45), ("chat", 28), ("phone", 10), ("web_form", 17))
TICKET_PRIORITIES = (("low", 25), ("normal", 55), ("high", 15), ("urgent", 5))


def assert_json_safe(words: tuple[str, ...] | list[str], what: str) -> None:
    """Check that ``words`` can be embedded in a JSON string literal without escaping.

    Args:
        words: strings that will appear verbatim between double quotes in JSON lines.
        what: name of the list, for the error message.

    Raises:
        ValueError: a word contains a double quote, a backslash or a control character.
    """
    for w in words:
        if any(ch in w for ch in '"\\') or any(ord(ch) < 32 for ch in w):
            raise ValueError(f"{what}: {w!r} would need JSON escaping")


assert_json_safe([r for r, _ in ORGANIC_REFERRERS + REFERRAL_REFERRERS], "referrers")
assert_json_safe(AFFILIATE_SOURCES, "affiliate sources")
assert_json_safe([c[1] for c in CAMPAIGNS], "campaign names")
