"""The shipped kinds of service, with the words members and police allies text for
each, in every shipped language, in its script and in Latin letters. An organisation
adds its own kinds (with their words) as ``ServiceKind`` rows."""

from __future__ import annotations

from django.utils.translation import gettext_noop

# key, English name (translated when shown), words per language.
SHIPPED: list[tuple[str, str, dict[str, list[str]]]] = [
    (
        "drop_in",
        gettext_noop("Drop-in centre"),
        {
            "en": ["CLINIC", "DROPIN"],
            "sw": ["KLINIKI", "KITUO"],
            "ru": ["ЦЕНТР", "TSENTR"],
            "ky": ["БОРБОР", "BORBOR"],
            "te": ["కేంద్రం", "KENDRAM"],
            "my": ["စင်တာ", "SENTA"],
        },
    ),
    (
        "hiv_testing",
        gettext_noop("HIV testing"),
        {
            "en": ["TEST"],
            "sw": ["PIMA", "KIPIMO"],
            "ru": ["ТЕСТ", "TEST"],
            "ky": ["АНАЛИЗ", "ANALIZ"],
            "te": ["పరీక్ష", "PARIKSHA"],
            "my": ["သွေးစစ်", "THWAYSIT"],
        },
    ),
    (
        "art",
        gettext_noop("HIV treatment (ART)"),
        {
            "en": ["ART", "ARV"],
            "sw": ["DAWA", "ARVS"],
            "ru": ["АРВТ", "ARVT"],
            "ky": ["АРВ", "ARVK"],
            "te": ["చికిత్స", "CHIKITSA"],
            "my": ["ကုသ", "KUTHA"],
        },
    ),
    (
        "prep_pep",
        gettext_noop("PrEP and PEP"),
        {
            "en": ["PREP", "PEP"],
            "sw": ["KINGA"],
            "ru": ["ДКП", "DKP"],
            "ky": ["ПРЕП", "PREPKG"],
            "te": ["నివారణ", "NIVARANA"],
            "my": ["ကာကွယ်", "KAKWE"],
        },
    ),
    (
        "tb",
        gettext_noop("TB testing and treatment"),
        {
            "en": ["TB"],
            "sw": ["KIFUA", "TBKIFUA"],
            "ru": ["ТУБЕРКУЛЕЗ", "TUBERKULEZ"],
            "ky": ["КУРГАК", "KURGAK"],
            "te": ["క్షయ", "KSHAYA"],
            "my": ["တီဘီ", "TIBI"],
        },
    ),
    (
        "sti",
        gettext_noop("STI care"),
        {
            "en": ["STI"],
            "sw": ["ZINAA"],
            "ru": ["ЗППП", "ZPPP"],
            "ky": ["ЖЖБИ", "ZHZHBI"],
            "te": ["సుఖవ్యాధి", "SUKHAVYADHI"],
            "my": ["ကာလသား", "KALATHA"],
        },
    ),
    (
        "opioid_substitution",
        gettext_noop("Opioid substitution (methadone)"),
        {
            "en": ["METHADONE", "OST"],
            "sw": ["METHADONI"],
            "ru": ["МЕТАДОН", "METADON"],
            "ky": ["МЕТАДОН", "METADON"],
            "te": ["మెథడోన్", "METHADON"],
            "my": ["မက်သဒုန်း", "METHADONE"],
        },
    ),
    (
        "needles",
        gettext_noop("Needles and syringes"),
        {
            "en": ["NEEDLES", "SYRINGES"],
            "sw": ["SINDANO"],
            "ru": ["ШПРИЦ", "SHPRITS"],
            "ky": ["ШПРИЦ", "SHPRITS"],
            "te": ["సూది", "SUDI"],
            "my": ["ဆေးထိုးအပ်", "SAYHTOAT"],
        },
    ),
    (
        "naloxone",
        gettext_noop("Naloxone"),
        {
            "en": ["NALOXONE"],
            "sw": ["NALOKSONI"],
            "ru": ["НАЛОКСОН", "NALOKSON"],
            "ky": ["НАЛОКСОН", "NALOKSON"],
            "te": ["నలోక్సోన్", "NALOXON"],
            "my": ["နာလော့ဇုန်း", "NALOZONE"],
        },
    ),
    (
        "post_rape_care",
        gettext_noop("Post-rape care"),
        {
            "en": ["CARE"],
            "sw": ["TIBA"],
            "ru": ["ЗАБОТА", "ZABOTA"],
            "ky": ["КАМКОР", "KAMKOR"],
            "te": ["సంరక్షణ", "SAMRAKSHANA"],
            "my": ["စောင့်ရှောက်", "SAUNGSHAUK"],
        },
    ),
    (
        "legal_aid",
        gettext_noop("Legal aid"),
        {
            "en": ["LAWYER", "LEGAL"],
            "sw": ["WAKILI"],
            "ru": ["ЮРИСТ", "YURIST"],
            "ky": ["АДВОКАТ", "ADVOKAT"],
            "te": ["న్యాయవాది", "NYAYAVADI"],
            "my": ["ရှေ့နေ", "SHAYNAY"],
        },
    ),
    (
        "shelter",
        gettext_noop("Shelter"),
        {
            "en": ["SHELTER"],
            "sw": ["MAKAZI"],
            "ru": ["ПРИЮТ", "PRIYUT"],
            "ky": ["БАШПАНА", "BASHPANA"],
            "te": ["ఆశ్రయం", "ASHRAYAM"],
            "my": ["ခိုလှုံရာ", "KHOHLONEYA"],
        },
    ),
    (
        "vocational",
        gettext_noop("Vocational training and micro-credit"),
        {
            "en": ["SKILLS"],
            "sw": ["UJUZI"],
            "ru": ["РАБОТА", "RABOTA"],
            "ky": ["ЖУМУШ", "ZHUMUSH"],
            "te": ["ఉపాధి", "UPADHI"],
            "my": ["အလုပ်", "ALOKE"],
        },
    ),
]

# The commands of the loop.
REFER = {
    "en": ["REFER"],
    "sw": ["PELEKA"],
    "ru": ["НАПРАВИТЬ", "NAPRAVIT"],
    "ky": ["ЖӨНӨТҮҮ", "ZHONOTUU"],
    "te": ["పంపు", "PAMPU"],
    "my": ["လွှဲ", "HLWE"],
}
SEEN = {
    "en": ["SEEN"],
    "sw": ["AMEFIKA"],
    "ru": ["ПРИШЕЛ", "PRISHEL"],
    "ky": ["КЕЛДИ", "KELDI"],
    "te": ["వచ్చారు", "VACHARU"],
    "my": ["ရောက်ပြီ", "YAUKPYI"],
}
