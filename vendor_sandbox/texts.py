"""Phrase pools and a small composer for sandbox message texts.

Messages are assembled from independent parts (greeting, problem, detail,
contact, ask, closing) picked per language variety, then "decorated" with the
noise real support inboxes contain (emoji, tatweel, tashkeel, elongation,
Arabic-Indic digits).  Keeping the pools as plain data makes it cheap to add
phrases without touching the logic, and the combinatorics keep bodies distinct.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

VARIETIES = ("msa", "gulf", "egyptian", "english", "arabizi", "code_switched")
ARABIC_SCRIPT = frozenset({"msa", "gulf", "egyptian", "code_switched"})
TOPICS = (
    "delivery_late", "wrong_item", "refund", "double_charge", "login_otp",
    "app_crash", "subscription_cancel", "praise", "branch_visit", "warranty",
)
TOPIC_WEIGHTS = (20, 10, 12, 8, 10, 8, 6, 8, 8, 10)
TOPIC_TAGS = {
    "delivery_late": ("delivery",), "wrong_item": ("delivery", "wrong_item"),
    "refund": ("billing", "refund"), "double_charge": ("billing", "double_charge"),
    "login_otp": ("login", "otp"), "app_crash": ("app", "bug"),
    "subscription_cancel": ("cancellation", "subscription"), "praise": ("praise",),
    "branch_visit": ("branch",), "warranty": ("warranty",),
}
# Where a customer writing in a variety most plausibly lives.
COUNTRY_BY_VARIETY = {
    "msa": (("SA", 30), ("AE", 15), ("KW", 8), ("QA", 6), ("BH", 4), ("OM", 7), ("EG", 30)),
    "gulf": (("SA", 45), ("AE", 20), ("KW", 13), ("QA", 9), ("BH", 6), ("OM", 7)),
    "egyptian": (("EG", 85), ("SA", 8), ("AE", 5), ("KW", 2)),
    "english": (("SA", 20), ("AE", 30), ("QA", 6), ("KW", 5), ("BH", 4), ("OM", 3),
                ("EG", 17), ("GB", 9), ("US", 6)),
    "arabizi": (("EG", 50), ("SA", 20), ("AE", 15), ("KW", 10), ("QA", 5)),
    "code_switched": (("EG", 35), ("SA", 25), ("AE", 25), ("KW", 7), ("QA", 4), ("BH", 4)),
}
COMPANY_COUNTRIES = (("SA", 28), ("AE", 18), ("KW", 7), ("QA", 5), ("BH", 3), ("OM", 4),
                     ("EG", 30), ("GB", 3), ("US", 2))
# A customer drifts to a "neighbouring" variety, not to a random one.
NEIGHBORS = {
    "msa": ("gulf", "egyptian", "english"),
    "gulf": ("msa", "arabizi", "code_switched", "english"),
    "egyptian": ("arabizi", "code_switched", "english", "msa"),
    "english": ("code_switched", "arabizi", "msa"),
    "arabizi": ("english", "egyptian", "gulf"),
    "code_switched": ("english", "egyptian", "gulf"),
}
# Agents answer in MSA/English or mirror the customer's dialect.
AGENT_VARIETY = {
    "msa": (("msa", 1.0),),
    "gulf": (("gulf", 0.8), ("msa", 0.2)),
    "egyptian": (("egyptian", 0.8), ("msa", 0.2)),
    "english": (("english", 1.0),),
    "arabizi": (("arabizi", 0.45), ("english", 0.35), ("egyptian", 0.2)),
    "code_switched": (("code_switched", 0.6), ("english", 0.25), ("msa", 0.15)),
}

# ---------------------------------------------------------------- people, companies
FIRST_MALE = (
    ("Mohammed", "محمد"), ("Ahmed", "أحمد"), ("Abdullah", "عبدالله"), ("Khalid", "خالد"),
    ("Faisal", "فيصل"), ("Omar", "عمر"), ("Ali", "علي"), ("Hassan", "حسن"),
    ("Youssef", "يوسف"), ("Saad", "سعد"), ("Sultan", "سلطان"), ("Turki", "تركي"),
    ("Nasser", "ناصر"), ("Majed", "ماجد"), ("Fahad", "فهد"), ("Saud", "سعود"),
    ("Hamad", "حمد"), ("Rashid", "راشد"), ("Mahmoud", "محمود"), ("Mostafa", "مصطفى"),
    ("Karim", "كريم"), ("Amr", "عمرو"), ("Tarek", "طارق"), ("Hesham", "هشام"),
    ("Sherif", "شريف"), ("Waleed", "وليد"), ("Ibrahim", "إبراهيم"), ("Yasser", "ياسر"),
    ("Ziad", "زياد"), ("Adel", "عادل"), ("Bader", "بدر"), ("Mansour", "منصور"),
    ("Ayman", "أيمن"), ("Osama", "أسامة"), ("Hazem", "حازم"), ("Nawaf", "نواف"),
)
FIRST_FEMALE = (
    ("Fatima", "فاطمة"), ("Noura", "نورة"), ("Sara", "سارة"), ("Aisha", "عائشة"),
    ("Maryam", "مريم"), ("Reem", "ريم"), ("Hessa", "حصة"), ("Lama", "لمى"),
    ("Dana", "دانة"), ("Hind", "هند"), ("Mona", "منى"), ("Nour", "نور"),
    ("Yasmin", "ياسمين"), ("Salma", "سلمى"), ("Heba", "هبة"), ("Rana", "رنا"),
    ("Dina", "دينا"), ("Aya", "آية"), ("Menna", "منة"), ("Nada", "ندى"),
    ("Asmaa", "أسماء"), ("Shahd", "شهد"), ("Lujain", "لجين"), ("Amal", "أمل"),
    ("Latifa", "لطيفة"), ("Alanoud", "العنود"), ("Ghada", "غادة"), ("Rania", "رانيا"),
)
FIRST_WESTERN = (
    ("James", "جيمس"), ("Emma", "إيما"), ("Oliver", "أوليفر"), ("Sophie", "صوفي"),
    ("Daniel", "دانيال"), ("Hannah", "هانا"), ("Michael", "مايكل"), ("Laura", "لورا"),
)
FAMILY_GULF = (
    "Alharbi", "Alotaibi", "Alqahtani", "Alghamdi", "Alzahrani", "Alshehri", "Aldosari",
    "Almutairi", "Alanazi", "Alshamsi", "Almansoori", "Alnuaimi", "Alketbi", "Alsabah",
    "Alajmi", "Alenezi", "Althani", "Almarri", "Alkuwari", "Alkhalifa", "Albalushi",
    "Alharthy", "Alrashidi", "Alshammari", "Almazrouei", "Alyami", "Alsubaie",
)
FAMILY_EGYPT = (
    "Hassan", "Mahmoud", "Abdelrahman", "Elsayed", "Mostafa", "Ibrahim", "Fawzy", "Salah",
    "Gamal", "Farouk", "Soliman", "Abdelaziz", "Ramadan", "Shawky", "Naguib", "Hegazy",
    "Elmasry", "Kamel", "Zaki", "Fathy", "Tawfik", "Samir", "Lotfy", "Elshazly",
)
FAMILY_WESTERN = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Khan", "Patel")
PERSONAL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "outlook.com", "hotmail.com",
                    "yahoo.com", "icloud.com", "live.com")
SUPPORT_DOMAIN = "support.example-helpdesk.com"
# (latin stem, arabic stem, slug, only-in-country or None)
COMPANY_STEMS = (
    ("Al Noor", "النور", "alnoor", None), ("Al Safwa", "الصفوة", "alsafwa", None),
    ("Al Waha", "الواحة", "alwaha", None), ("Al Fajr", "الفجر", "alfajr", None),
    ("Al Manar", "المنار", "almanar", None), ("Al Yasmeen", "الياسمين", "alyasmeen", None),
    ("Al Baraka", "البركة", "albaraka", None), ("Al Khaleej", "الخليج", "alkhaleej", None),
    ("Al Nakheel", "النخيل", "alnakheel", None), ("Al Amal", "الأمل", "alamal", None),
    ("Al Reem", "الريم", "alreem", None), ("Al Dana", "الدانة", "aldana", None),
    ("Al Bustan", "البستان", "albustan", None), ("Al Sharq", "الشرق", "alsharq", None),
    ("Al Multaqa", "الملتقى", "almultaqa", None), ("Al Zahraa", "الزهراء", "alzahraa", None),
    ("Desert Rose", "وردة الصحراء", "desertrose", None), ("Golden Palm", "النخلة الذهبية",
                                                             "goldenpalm", None),
    ("Blue Wave", "الموجة الزرقاء", "bluewave", None), ("Pearl", "اللؤلؤة", "pearl", None),
    ("Falcon", "الصقر", "falcon", None), ("Crescent", "الهلال", "crescent", None),
    ("Horizon", "الأفق", "horizon", None), ("Lotus", "اللوتس", "lotus", None),
    ("Nile", "النيل", "nile", "EG"), ("Delta", "الدلتا", "delta", "EG"),
    ("Cairo", "القاهرة", "cairo", "EG"), ("Alex", "الإسكندرية", "alex", "EG"),
    ("Pyramids", "الأهرام", "pyramids", "EG"), ("Riyadh", "الرياض", "riyadh", "SA"),
    ("Jeddah", "جدة", "jeddah", "SA"), ("Dammam", "الدمام", "dammam", "SA"),
    ("Dubai", "دبي", "dubai", "AE"), ("Sharjah", "الشارقة", "sharjah", "AE"),
    ("Doha", "الدوحة", "doha", "QA"), ("Muscat", "مسقط", "muscat", "OM"),
    ("Manama", "المنامة", "manama", "BH"), ("Kuwait", "الكويت", "kuwait", "KW"),
    ("Thames", "التايمز", "thames", "GB"), ("Hudson", "هدسون", "hudson", "US"),
)
COMPANY_TYPES = (
    ("Trading", "شركة {} للتجارة", "trading"), ("Foods", "شركة {} للأغذية", "foods"),
    ("Electronics", "{} للإلكترونيات", "electronics"), ("Fashion", "دار {} للأزياء", "fashion"),
    ("Pharmacies", "صيدليات {}", "pharma"), ("Logistics", "{} للخدمات اللوجستية", "logistics"),
    ("Motors", "{} للسيارات", "motors"), ("Furniture", "معارض {} للأثاث", "furniture"),
    ("Telecom", "{} للاتصالات", "telecom"), ("Perfumes", "عطور {}", "perfumes"),
    ("Home Appliances", "{} للأجهزة المنزلية", "appliances"), ("Travel", "{} للسفر والسياحة",
                                                                 "travel"),
    ("Sweets", "حلويات {}", "sweets"), ("Markets", "أسواق {}", "markets"),
    ("Tech", "{} للتقنية", "tech"), ("Clinics", "عيادات {}", "clinics"),
    ("Optics", "{} للبصريات", "optics"), ("Group", "مجموعة {}", "group"),
)
COMPANY_SUFFIX = {"SA": " Co.", "AE": " LLC", "KW": " W.L.L.", "QA": " W.L.L.",
                  "BH": " W.L.L.", "OM": " LLC", "EG": " S.A.E.", "GB": " Ltd", "US": " Inc."}
TLDS = {"SA": ("sa", "com.sa", "com"), "AE": ("ae", "com"), "KW": ("com.kw", "com"),
        "QA": ("qa", "com.qa"), "BH": ("bh", "com.bh"), "OM": ("om", "com.om"),
        "EG": ("com.eg", "com.eg", "eg", "com"), "GB": ("co.uk",), "US": ("com",)}
# country -> (calling code, mobile prefixes of the national number, digits after prefix)
PHONE_PLANS = {
    "SA": ("966", ("50", "53", "54", "55", "56", "59"), 7), "AE": ("971", ("50", "52", "55", "56"), 7),
    "KW": ("965", ("5", "6", "9"), 7), "QA": ("974", ("3", "5", "6", "7"), 7),
    "BH": ("973", ("3",), 7), "OM": ("968", ("9", "7"), 7),
    "EG": ("20", ("10", "11", "12", "15"), 8), "GB": ("44", ("7",), 9), "US": ("1", ("2", "3", "4"), 9),
}
TRUNK_ZERO = frozenset({"SA", "AE", "EG", "GB"})
UTC_OFFSET = {"SA": 3, "KW": 3, "QA": 3, "BH": 3, "AE": 4, "OM": 4, "EG": 2, "GB": 0, "US": -5}
WEEKEND = {"AE": (5, 6), "GB": (5, 6), "US": (5, 6)}  # others: Friday/Saturday

# ---------------------------------------------------------------- money, products, dates
CURRENCY = {"SA": "SAR", "AE": "AED", "KW": "KWD", "QA": "QAR", "BH": "BHD", "OM": "OMR",
            "EG": "EGP", "GB": "GBP", "US": "USD"}
CURRENCY_AR = {"SAR": ("ريال", "ر.س", "ريال سعودي"), "AED": ("درهم", "د.إ"),
               "KWD": ("دينار", "د.ك"), "QAR": ("ريال قطري", "ر.ق"), "BHD": ("دينار بحريني",),
               "OMR": ("ريال عماني", "ر.ع"), "EGP": ("جنيه", "ج.م", "جنيه مصري"),
               "GBP": ("جنيه إسترليني",), "USD": ("دولار",)}
CURRENCY_SYMBOL = {"GBP": "£", "USD": "$"}
AMOUNT_RANGE = {"SAR": (25, 6000), "AED": (25, 6000), "QAR": (25, 6000), "KWD": (3, 600),
                "BHD": (3, 600), "OMR": (3, 600), "EGP": (150, 45000), "GBP": (5, 1500),
                "USD": (5, 1500)}
PRODUCTS_EN = (
    "iPhone 15", "Galaxy phone", "air fryer", "split AC unit", "washing machine",
    "wireless earbuds", "laptop", "abaya", "oud perfume", "baby stroller", "office chair",
    "PlayStation", "smart watch", "coffee machine", "dates gift box", "sofa set",
    "running shoes", "vacuum cleaner", "55 inch TV", "kids bike",
)
PRODUCTS_AR = (
    "آيفون 15", "جوال سامسونج", "قلاية هوائية", "مكيف سبليت", "غسالة", "سماعات بلوتوث",
    "لابتوب", "عباية", "عطر عود", "عربية أطفال", "كرسي مكتب", "بلايستيشن", "ساعة ذكية",
    "مكينة قهوة", "علبة تمور", "طقم كنب", "حذاء رياضي", "مكنسة كهربائية", "شاشة 55 بوصة",
    "دراجة أطفال",
)
WEEKDAYS_AR = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_ARABIZI = ("el etnein", "el talat", "el arba3", "el 5amees", "el gom3a", "el sabt",
                    "el 7add")
DATE_WORDS = {
    "msa": ("الأسبوع الماضي", "أمس", "قبل ثلاثة أيام", "يوم {wd}", "بداية الشهر"),
    "gulf": ("أمس", "من أسبوع", "يوم {wd} اللي طاف", "قبل كم يوم", "أول أمس"),
    "egyptian": ("امبارح", "من أسبوع", "يوم {wd} اللي فات", "من كام يوم", "أول امبارح"),
    "english": ("yesterday", "last week", "last {wd}", "a few days ago", "on {wd}"),
    "arabizi": ("embare7", "mn osbo3", "yom {wd}", "mn kam yom", "ams"),
    "code_switched": ("last week", "امبارح", "يوم {wd}", "كام يوم", "yesterday"),
}
ORDER_FORMATS = ("#{}", "{}", "ORD-{}", "#{}", "{}")

# ---------------------------------------------------------------- customer parts
GREETINGS = {
    "msa": ("السلام عليكم ورحمة الله وبركاته،", "السلام عليكم،", "مرحباً،", "تحية طيبة وبعد،",
            "مساء الخير،", "صباح الخير،", "عزيزي فريق الدعم،", "السادة خدمة العملاء المحترمين،"),
    "gulf": ("السلام عليكم", "هلا", "هلا والله", "مرحبا", "يا هلا", "السلام عليكم الله يعافيكم",
             "مساء الخير يا خدمة العملاء", "صباح الخير", "هلا شباب"),
    "egyptian": ("السلام عليكم", "ازيكم", "مساء الخير", "صباح الفل", "لو سمحت", "يا جماعة",
                 "أهلاً", "ازيك يا فندم", "مساء الفل"),
    "english": ("Hi,", "Hello,", "Hi there,", "Dear Support Team,", "Good morning,", "Hey,",
                "Hello team,", "Good evening,", "Hi support,"),
    "arabizi": ("salam", "el salamo 3aleko", "hi", "ahlan", "masa2 el 5eir", "saba7 el 5eir",
                "salam 3alaikum", "hala", "ezayoko"),
    "code_switched": ("Hi، السلام عليكم", "Hello يا جماعة", "مرحبا team", "Hi يا خدمة العملاء",
                      "السلام عليكم guys", "Good morning، صباح الخير", "هلا hi"),
}
PROBLEMS = {
    "msa": {
        "delivery_late": ("طلبي لم يصل حتى الآن رغم مرور الموعد المحدد للتوصيل.",
                          "تأخر توصيل الطلب أكثر من أسبوع دون أي تحديث.",
                          "أود الاستفسار عن سبب تأخر شحنتي.",
                          "تم تأكيد الطلب منذ أيام ولم يتم شحنه بعد."),
        "wrong_item": ("استلمت منتجاً مختلفاً عن الذي طلبته.",
                       "المنتج الذي وصلني تالف وغير مطابق للوصف.",
                       "وصلني مقاس خاطئ وأرغب في الاستبدال."),
        "refund": ("أرغب في استرداد المبلغ المدفوع بعد إلغاء الطلب.",
                   "لم يتم إرجاع المبلغ إلى حسابي حتى الآن.",
                   "قمت بإرجاع المنتج ولم أستلم المبلغ بعد."),
        "double_charge": ("تم خصم المبلغ مرتين من بطاقتي لنفس الطلب.",
                          "ظهرت عملية خصم مكررة في كشف حسابي.",
                          "الفاتورة تحتوي على رسوم غير صحيحة."),
        "login_otp": ("لا أستطيع تسجيل الدخول إلى حسابي.", "رمز التحقق لا يصل إلى جوالي.",
                      "نسيت كلمة المرور ورابط الاستعادة لا يعمل."),
        "app_crash": ("التطبيق يغلق فجأة عند فتح صفحة الدفع.", "يظهر خطأ عند محاولة إتمام الطلب.",
                      "التطبيق لا يعمل بعد التحديث الأخير."),
        "subscription_cancel": ("أرغب في إلغاء اشتراكي الشهري.",
                                "تم تجديد الاشتراك تلقائياً دون موافقتي.",
                                "كيف يمكنني إيقاف التجديد التلقائي؟"),
        "praise": ("أود أن أشكركم على سرعة الاستجابة وجودة الخدمة.",
                   "تجربة ممتازة، وصل الطلب قبل الموعد.", "شكراً لموظف الدعم على تعامله الراقي."),
        "branch_visit": ("زرت الفرع اليوم وكان التعامل غير لائق.", "أرغب في معرفة مواعيد عمل الفرع.",
                         "هل يمكنني استبدال المنتج من الفرع مباشرة؟"),
        "warranty": ("الجهاز توقف عن العمل وما زال ضمن فترة الضمان.",
                     "أرغب في تقديم طلب صيانة ضمن الضمان.", "هل يشمل الضمان هذا العطل؟"),
    },
    "gulf": {
        "delivery_late": ("الطلب حقي للحين ما وصل", "وش صار على الطلب؟ صار لي أسبوع أنتظر",
                          "المندوب ما جا ولا رد على الجوال", "ابي اعرف وين الشحنة حقتي، تأخرت حيل"),
        "wrong_item": ("وصلني غلط مب هذا اللي طلبته", "الكرتون مفتوح والقطعة مكسورة",
                       "طلبت لون أسود وجاني أبيض، وش ذا؟"),
        "refund": ("ابي فلوسي ترجع، كنسلت الطلب من زمان", "رجعت الغرض وللحين ما رجعت الفلوس",
                   "متى يرجع المبلغ؟ صار لي أسبوعين"),
        "double_charge": ("انسحب المبلغ مرتين من البطاقة", "البنك يقول فيه خصمين، وش السالفة؟",
                          "الفاتورة فيها رسوم ما اعرف وش هي"),
        "login_otp": ("ما اقدر ادخل الحساب", "كود التحقق ما يوصلني على الجوال",
                      "كل ما ادخل يقول الباسوورد غلط"),
        "app_crash": ("البرنامج يطلعني كل ما افتح السلة", "التطبيق معلق من الصبح",
                      "بعد التحديث التطبيق خربان"),
        "subscription_cancel": ("ابي الغي الاشتراك", "تجدد الاشتراك بدون ما اوافق",
                                "كيف اوقف التجديد التلقائي؟"),
        "praise": ("والله خدمتكم زينة حيل", "وصل الطلب بسرعة، مشكورين", "الموظف اللي كلمني ما قصر"),
        "branch_visit": ("رحت الفرع وقالوا ما يقدرون يسوون شي", "وش مواعيد الفرع يوم الجمعة؟",
                         "أقدر أبدل من الفرع ولا لازم أون لاين؟"),
        "warranty": ("الجهاز خرب وهو للحين بالضمان", "ابي اسوي صيانة على الضمان",
                     "الضمان يغطي هالشي ولا لا؟ مب واضح"),
    },
    "egyptian": {
        "delivery_late": ("الأوردر بتاعي لسه موصلش", "بقالي أسبوع مستني الطلب ومحدش بيرد",
                          "المندوب قال جاي النهارده ومجاش", "عايز أعرف الشحنة فين دلوقتي"),
        "wrong_item": ("الحاجة اللي وصلت مش هي اللي طلبتها خالص", "المنتج جه مكسور والعلبة مفتوحة",
                       "طلبت مقاس لارج وجالي سمول"),
        "refund": ("عايز فلوسي ترجع، لغيت الأوردر من بدري", "رجعت المنتج ولسه الفلوس مرجعتش",
                   "الريفند بياخد قد ايه؟ بقالي أسبوعين"),
        "double_charge": ("الفلوس اتسحبت مرتين من الكارت", "لقيت خصم مرتين في كشف الحساب",
                          "الفاتورة فيها مصاريف مش مفهومة"),
        "login_otp": ("مش عارف أعمل لوجين على الحساب", "كود التفعيل مش بيوصلي",
                      "عملت نسيت كلمة السر ومفيش ايميل جالي"),
        "app_crash": ("الأبلكيشن بيقفل لوحده كل شوية", "التطبيق مهنج ومش راضي يفتح",
                      "كل ما أدوس على الدفع يطلعلي ايرور"),
        "subscription_cancel": ("عايز ألغي الاشتراك", "الاشتراك اتجدد لوحده من غير ما أوافق",
                                "ازاي أوقف التجديد التلقائي؟"),
        "praise": ("بجد خدمة محترمة جداً", "الأوردر وصل بسرعة وكله تمام كده",
                   "الموظف اللي كلمني كان ذوق اوي"),
        "branch_visit": ("روحت الفرع وقالولي مالناش دعوة", "الفرع بيفتح الساعة كام؟",
                         "ينفع أبدل من الفرع ولا لازم أونلاين؟"),
        "warranty": ("الجهاز باظ وهو لسه في الضمان", "عايز أعمل صيانة على الضمان",
                     "الضمان بيغطي العطل ده ولا لأ؟"),
    },
    "english": {
        "delivery_late": ("My order still hasn't arrived.",
                          "The delivery is over a week late and the tracking hasn't moved.",
                          "The courier was supposed to come yesterday but never showed up.",
                          "Where is my package? It was due three days ago."),
        "wrong_item": ("I received the wrong item.", "The product arrived damaged and the box was open.",
                       "I ordered a black one and got a white one instead."),
        "refund": ("I'd like a refund for my cancelled order.",
                   "I returned the item two weeks ago and still have no refund.",
                   "When will the refund reach my card?"),
        "double_charge": ("I was charged twice for the same order.",
                          "My bank statement shows a duplicate charge.",
                          "There is a fee on my invoice I don't recognise."),
        "login_otp": ("I can't log in to my account.", "The OTP code never arrives on my phone.",
                      "The password reset link isn't working."),
        "app_crash": ("The app keeps crashing at checkout.", "I get an error every time I try to pay.",
                      "Since the last update the app won't open."),
        "subscription_cancel": ("Please cancel my subscription.",
                                "My plan renewed automatically without my consent.",
                                "How do I turn off auto-renewal?"),
        "praise": ("Just wanted to say thanks, great service!",
                   "The order arrived early and everything was perfect.", "Your agent was really helpful."),
        "branch_visit": ("I visited your branch today and the staff were rude.",
                         "What are the branch opening hours?", "Can I exchange the item at a branch?"),
        "warranty": ("The device stopped working and it's still under warranty.",
                     "I want to file a warranty repair.", "Does the warranty cover this fault?"),
    },
    "arabizi": {
        "delivery_late": ("el order bta3i lessa mawsalsh", "ana 3ayez a3raf el order feen",
                          "el mandoob ma ja w la yrod 3al jawal", "wen el shi7na? t2a5rat wayed"),
        "wrong_item": ("el 7aga elly wesletly mesh heya elly talabtaha", "wasalni ghala6 mob hatha elli 6alabta",
                       "el montag gah maksoor w el 3elba maftoo7a"),
        "refund": ("3ayez felosy targa3", "abi floosi tarja3 ya jama3a", "rag3t el montag w lessa mafeesh refund"),
        "double_charge": ("el flos et5asamet marteen mn el card", "n5asam mni mrtain, sho9 el mushkila?",
                          "fi charge zyada 3al invoice"),
        "login_otp": ("msh 3aref a3mel login", "el OTP ma yewsalni", "el code msh bywsal 5ales"),
        "app_crash": ("el app bey2fel lwa7do", "el app m3allag mn el sob7", "kol ma adoos pay ytla3li error"),
        "subscription_cancel": ("3ayez alghy el eshterak", "abi alghi el ishtirak",
                                "el eshterak etgadad lwa7do"),
        "praise": ("bgad 5edma 7elwa awi", "mashkoreen wallah 5edmatkom zaina", "el order wesel bsor3a, 7abibi"),
        "branch_visit": ("ro7t el far3 w 2alooli malnash da3wa", "el far3 byefta7 el sa3a kam?",
                         "ru7t el far3 w ma sawaw shay"),
        "warranty": ("el gehaz baz w howa lessa fel daman", "el jehaz 5arab w howa bel dhaman",
                     "3ayez a3mel siyana 3al daman"),
    },
    "code_switched": {
        "delivery_late": ("الـ order اتأخر و the tracking مش شغال", "الـ delivery متأخرة أكثر من week",
                          "طلبت من last week ولسه ما وصل the package", "الـ courier ما جا and nobody answers"),
        "wrong_item": ("وصلني wrong item مش اللي طلبته", "الـ size غلط، طلبت medium وجاني large",
                       "الـ product وصل damaged والـ box مفتوح"),
        "refund": ("عايز refund للـ order اللي لغيته", "رجعت الـ item ولسه الـ refund ما وصل",
                   "متى يوصل الـ refund على الـ card؟"),
        "double_charge": ("اتعملي double charge على الـ card", "الـ bank statement فيها خصمين لنفس الـ order",
                          "في fees غريبة على الـ invoice"),
        "login_otp": ("مش قادر أعمل login على الـ account", "الـ OTP ما يوصلني أبداً",
                      "الـ reset password link مش شغال"),
        "app_crash": ("الـ app بيعمل crash كل ما افتح الـ cart", "يطلع error لما أحاول أعمل checkout",
                      "بعد الـ update الـ app ما يفتح"),
        "subscription_cancel": ("ابي cancel للـ subscription", "الـ plan اتجدد automatically من غير ما أوافق",
                                "ازاي أوقف الـ auto-renew؟"),
        "praise": ("الـ service بجد top", "الـ delivery كانت fast جداً، thank you", "الـ agent كان helpful جداً"),
        "branch_visit": ("رحت الـ branch والـ staff كانوا rude", "الـ branch بيفتح الساعة كام on Friday؟",
                         "ينفع exchange من الـ branch؟"),
        "warranty": ("الـ device باظ وهو لسه under warranty", "عايز أعمل repair على الـ warranty",
                     "الـ warranty بيغطي المشكلة دي؟"),
    },
}
DETAILS = {
    "msa": ("رقم الطلب {order}.", "رقم الطلب: {order}، وقد طلبته {date}.", "المبلغ المدفوع {amount}.",
            "المنتج: {product}، رقم الفاتورة {invoice}.", "الطلب رقم {order} بقيمة {amount}.",
            "اشتريت {product} {date}.", "علماً بأنني دفعت {amount} عن طريق البطاقة."),
    "gulf": ("رقم الطلب {order}", "الطلب {order} ودفعت {amount}", "طلبت {product} {date}",
             "الفاتورة رقمها {invoice}", "رقم الاوردر {order} والمبلغ {amount}", "هذا رقم الطلب {order}",
             "دافع {amount} على {product}"),
    "egyptian": ("رقم الأوردر {order}", "دافع {amount} في {product}", "الطلب رقم {order} اتعمل {date}",
                 "رقم الفاتورة {invoice}", "الأوردر {order} وكان فيه {product}",
                 "ده رقم الطلب {order}", "المبلغ كان {amount}"),
    "english": ("Order number {order}.", "Order {order}, placed {date}.", "I paid {amount} for the {product}.",
                "Invoice {invoice}.", "It's order {order} ({amount}).", "I bought the {product} {date}.",
                "Reference: {order}."),
    "arabizi": ("raqam el order {order}", "dafa3t {amount}", "el order {order} et3amal {date}",
                "talabt {product} b {amount}", "el fatoora {invoice}", "rakam el 6alab {order}"),
    "code_switched": ("الـ order number {order}", "دفعت {amount} على الـ {product}", "الـ invoice رقم {invoice}",
                      "الـ order {order} من {date}", "الـ total كان {amount}"),
}
CONTACTS = {
    "msa": ("يمكنكم التواصل معي على {phone}.", "بريدي الإلكتروني المسجل هو {email}.", "رقم جوالي {phone}.",
            "أرجو الرد على البريد {email}."),
    "gulf": ("كلموني على {phone}", "رقمي {phone}", "ايميلي {email}", "هذا رقم اخوي {phone} كلموه اذا ما رديت"),
    "egyptian": ("رقمي {phone}", "كلموني على {phone} لو سمحتم", "الايميل بتاعي {email}", "ابعتولي على {email}"),
    "english": ("You can reach me at {phone}.", "My email is {email}.", "Please call me on {phone}.",
                "Registered email: {email}."),
    "arabizi": ("raqmy {phone}", "kalemooni 3ala {phone}", "el email bta3i {email}", "eb3atoli 3ala {email}"),
    "code_switched": ("الـ phone بتاعي {phone}", "ابعتولي على الـ email {email}", "call me على {phone}",
                      "الـ email المسجل {email}"),
}
ASKS = {
    "msa": ("أرجو حل المشكلة في أقرب وقت.", "أتمنى منكم المساعدة.", "ما هو الإجراء المطلوب؟",
            "أرجو الإفادة.", "أرجو التواصل معي بأسرع وقت.", "إِنْ شَاءَ اللَّهُ تُحَلّ المشكلة قريباً."),
    "gulf": ("ابي حل الحين", "الله يعافيكم ساعدوني", "وش المطلوب مني؟", "ردوا علي بسرعة",
             "لو سمحتوا شوفوا لي حل", "ابي احد يكلمني اليوم"),
    "egyptian": ("ياريت حد يرد عليا", "عايز حل دلوقتي", "اعمل ايه؟", "ياريت تساعدوني",
                 "لو سمحتم شوفولي حل", "محتاج حد يكلمني النهارده"),
    "english": ("Please help.", "Can someone get back to me?", "What should I do?", "I need this sorted today.",
                "Please advise.", "Could you look into it?"),
    "arabizi": ("please 7ad yerod", "abi 7al el 7een", "a3mel eh?", "law sama7to sa3dooni", "3ayez 7al bsor3a"),
    "code_switched": ("please حد يرد عليا", "عايز solution دلوقتي", "ممكن update؟", "ابي حل ASAP",
                      "محتاج help بسرعة"),
}
CLOSINGS = {
    "msa": ("وشكراً.", "مع خالص التحية.", "شكراً لكم.", "وجزاكم الله خيراً.", "تحياتي.", "وشُكْرًا لَكُم."),
    "gulf": ("مشكورين", "الله يعطيكم العافية", "يعطيكم العافية", "تسلمون", "وشكرا", "الله يسعدكم"),
    "egyptian": ("شكراً", "متشكر جداً", "ربنا يخليكم", "تسلم ايدكم", "وشكرا مقدماً", "ألف شكر"),
    "english": ("Thanks.", "Thank you.", "Regards.", "Cheers.", "Thanks in advance.", "Best,"),
    "arabizi": ("shokran", "mashkoreen", "thx", "merci", "tislamo", "yslamo"),
    "code_switched": ("thanks مقدماً", "شكراً thank you", "thx يا جماعة", "مشكورين guys"),
}
SARCASM = {
    "msa": ("شكراً على الخدمة «الممتازة» كالعادة.", "يبدو أن الانتظار أصبح جزءاً من الخدمة."),
    "gulf": ("ما شاء الله عليكم، سرعة صاروخ 🙃", "والله خدمة ولا أروع، أسبوع وأنا أنتظر"),
    "egyptian": ("برافو عليكم بجد، أسرع خدمة في التاريخ 🙂", "تحفة والله، كل مرة نفس الحكاية"),
    "english": ("Great job, really. Another week of waiting.", "Wow, amazing service as always 🙄",
                "Love paying twice for one thing."),
    "arabizi": ("brafo 3alekom bgad 😂", "5edma sari3a gedan ya3ni 🙄"),
    "code_switched": ("wow خدمة fast جداً 🙄", "amazing كالعادة، أسبوع waiting"),
}
FOLLOWUPS = {
    "msa": ("هل من جديد بخصوص طلبي؟", "ما زلت أنتظر الرد.", "أرسلت المعلومات المطلوبة.",
            "لم تُحل المشكلة بعد.", "متى يمكنني توقع الحل؟", "أرفقت صورة الفاتورة كما طلبتم."),
    "gulf": ("وش صار؟", "للحين ما فيه شي", "أرسلت لكم الصور", "ها بشروا؟", "للحين أنتظر",
             "وش آخر شي؟ الحين صار لي يومين"),
    "egyptian": ("ايه الأخبار؟", "لسه مفيش حاجة", "بعتلكم الصور", "حد يرد عليا بقى",
                 "المشكلة لسه زي ما هي", "هو انتوا نسيتوني ولا ايه؟"),
    "english": ("Any update?", "Still waiting on this.", "I've sent the screenshots you asked for.",
                "The issue is still not fixed.", "Hello? Is anyone there?", "Following up on this."),
    "arabizi": ("eh el a5bar?", "lessa mafeesh 7aga", "ha bashroona?", "ba3atlkom el sowar",
                "7ad yerod ba2a", "wesh sar?"),
    "code_switched": ("any update يا جماعة؟", "لسه waiting", "بعت الـ screenshots", "الـ issue لسه موجودة",
                      "follow up على الـ ticket"),
}
THANKS = {
    "msa": ("شكراً، تم حل المشكلة.", "وصلني المبلغ، شكراً لكم.", "ممتاز، شكراً على المتابعة."),
    "gulf": ("تمام وصل، مشكورين", "زين الحين اشتغل", "الله يعطيك العافية انحلت"),
    "egyptian": ("تمام وصل، متشكر", "خلاص اشتغل، شكراً", "تمام كده، ربنا يكرمك"),
    "english": ("Got it, thanks!", "All sorted now, thank you.", "Perfect, that worked."),
    "arabizi": ("tamam wesel, shokran", "zain el7een ishtaghal", "5alas etsala7, merci"),
    "code_switched": ("تمام it works now", "وصل الـ refund، thanks", "perfect، شكراً"),
}

# ---------------------------------------------------------------- agent parts
AGENT_OPEN = {
    "msa": ("مرحباً {cname}،", "أهلاً بك {cname}،", "عزيزي العميل،", "السلام عليكم {cname}،",
            "شكراً لتواصلك معنا،"),
    "gulf": ("هلا {cname}،", "يا هلا فيك،", "حياك الله {cname}،", "هلا والله،"),
    "egyptian": ("أهلاً يا {cname}،", "أهلاً بحضرتك،", "مساء الخير يا فندم،", "أهلاً {cname}،"),
    "english": ("Hi {cname},", "Hello {cname},", "Dear {cname},", "Thanks for reaching out,"),
    "arabizi": ("ahlan {cname},", "hala {cname},", "ahlan beek,"),
    "code_switched": ("Hi {cname}،", "أهلاً {cname}، thanks for reaching out", "Hello يا فندم،"),
}
AGENT_INTRO = {
    "msa": ("معك {aname} من فريق الدعم.",), "gulf": ("معك {aname}.",),
    "egyptian": ("معاك {aname} من خدمة العملاء.",), "english": ("This is {aname} from the support team.",),
    "arabizi": ("ma3ak {aname} mn customer service.",), "code_switched": ("معاك {aname} من الـ support team.",),
}
AGENT_APOLOGY = {
    "msa": ("نعتذر عن الإزعاج.", "نأسف لما حدث."), "gulf": ("نعتذر منك على اللي صار.", "حقك علينا."),
    "egyptian": ("حقك علينا يا فندم.", "إحنا آسفين جداً."),
    "english": ("Sorry for the trouble.", "We apologise for the inconvenience."),
    "arabizi": ("7a2ak 3alena", "sorry gedan 3al ta25eer"),
    "code_switched": ("sorry جداً على الـ delay", "حقك علينا، sorry"),
}
AGENT_ACTIONS = {
    "msa": {
        "delivery_late": ("تم التواصل مع شركة الشحن وسيصلك الطلب {order} خلال ٢٤ ساعة.",
                          "قمنا بتصعيد الطلب {order} لفريق التوصيل."),
        "wrong_item": ("سنقوم بإرسال المنتج الصحيح واستلام المنتج الخاطئ دون أي رسوم.",
                       "يرجى إرسال صورة للمنتج المستلم لإتمام الاستبدال."),
        "refund": ("تم إصدار المبلغ المسترد {amount} وسيظهر في حسابك خلال ٥-٧ أيام عمل.",
                   "طلب الاسترداد قيد المراجعة لدى القسم المالي."),
        "double_charge": ("تأكدنا من الخصم المكرر وتم إلغاء العملية الثانية.",
                          "يرجى تزويدنا بآخر أربعة أرقام من البطاقة للتحقق."),
        "login_otp": ("قمنا بإعادة تعيين كلمة المرور، يرجى التحقق من بريدك.",
                      "يرجى التأكد من أن رقم الجوال المسجل صحيح."),
        "app_crash": ("يرجى تحديث التطبيق إلى آخر إصدار ومسح ذاكرة التخزين المؤقت.",
                      "تم رفع المشكلة إلى الفريق التقني."),
        "subscription_cancel": ("تم إلغاء اشتراكك ولن يتم تجديده تلقائياً.",
                                "يمكنك إيقاف التجديد من الإعدادات ثم الاشتراكات."),
        "praise": ("سعداء جداً بتجربتك، شكراً لكلماتك اللطيفة.", "سننقل شكرك للفريق."),
        "branch_visit": ("نعتذر عن التجربة، تم رفع ملاحظتك لمدير الفرع.", "يعمل الفرع من ٩ صباحاً حتى ١١ مساءً."),
        "warranty": ("تم فتح طلب صيانة ضمن الضمان، يرجى إحضار الجهاز مع الفاتورة {invoice}.",
                     "يغطي الضمان عيوب التصنيع لمدة سنتين."),
    },
    "gulf": {
        "delivery_late": ("كلمنا شركة الشحن والطلب {order} بيوصلك بكرة إن شاء الله.",
                          "رفعنا الطلب للمندوب وبيتواصل معك اليوم."),
        "wrong_item": ("بنرسل لك القطعة الصح ونستلم الغلط بدون رسوم.", "ممكن ترسل لنا صورة للغرض اللي وصلك؟"),
        "refund": ("رجعنا لك {amount} وبتوصلك خلال ٥ إلى ٧ أيام عمل.", "طلب الاسترجاع عند القسم المالي الحين."),
        "double_charge": ("شيكنا وفعلاً انخصم مرتين، لغينا الخصم الثاني.",
                          "عطنا آخر أربع أرقام من البطاقة عشان نتأكد."),
        "login_otp": ("سوينا ريست للباسوورد، شيك على ايميلك.", "تأكد إن رقم الجوال المسجل صحيح."),
        "app_crash": ("حدّث التطبيق وامسح الكاش وجرب مرة ثانية.", "رفعنا المشكلة للفريق التقني."),
        "subscription_cancel": ("لغينا الاشتراك وما راح يتجدد.", "تقدر توقف التجديد من الإعدادات."),
        "praise": ("الله يسعدك، كلامك على راسنا.", "بنوصل شكرك للفريق."),
        "branch_visit": ("نعتذر منك، رفعنا الملاحظة لمدير الفرع.", "الفرع يفتح من ٤ العصر يوم الجمعة."),
        "warranty": ("فتحنا لك طلب صيانة على الضمان، جيب الجهاز مع الفاتورة.", "الضمان يغطي عيوب المصنع سنتين."),
    },
    "egyptian": {
        "delivery_late": ("كلمنا شركة الشحن والأوردر {order} هيوصلك بكرة إن شاء الله.",
                          "صعّدنا الطلب ومندوب هيكلمك النهارده."),
        "wrong_item": ("هنبعتلك المنتج الصح وناخد الغلط من غير أي مصاريف.", "ممكن تبعتلنا صورة للمنتج اللي وصلك؟"),
        "refund": ("عملنا ريفند بـ {amount} وهيوصلك خلال ٥ لـ ٧ أيام عمل.", "طلب الريفند عند الحسابات دلوقتي."),
        "double_charge": ("راجعنا وفعلاً اتخصم مرتين، ولغينا الخصم التاني.",
                          "ممكن آخر أربع أرقام من الكارت عشان نراجع؟"),
        "login_otp": ("عملنا ريست للباسورد، شوف الإيميل بتاعك.", "اتأكد إن رقم الموبايل المتسجل صح."),
        "app_crash": ("حدّث الأبلكيشن وامسح الكاش وجرب تاني.", "بلغنا الفريق التقني بالمشكلة."),
        "subscription_cancel": ("لغينا الاشتراك ومش هيتجدد تاني.", "تقدر توقف التجديد من الإعدادات."),
        "praise": ("ربنا يخليك، كلامك ده بيفرق معانا جداً.", "هنوصل شكرك للفريق."),
        "branch_visit": ("آسفين جداً، بلغنا مدير الفرع.", "الفرع بيفتح من ١٠ الصبح لـ ١٠ بالليل."),
        "warranty": ("فتحنالك طلب صيانة على الضمان، هات الجهاز والفاتورة.", "الضمان بيغطي عيوب الصناعة لمدة سنتين."),
    },
    "english": {
        "delivery_late": ("I've chased the courier and order {order} should reach you within 24 hours.",
                          "I've escalated order {order} to our delivery team."),
        "wrong_item": ("We'll send the correct item and collect the wrong one free of charge.",
                       "Could you send a photo of the item you received?"),
        "refund": ("I've issued a refund of {amount}; it should appear within 5-7 business days.",
                   "Your refund request is with our finance team."),
        "double_charge": ("I can confirm the duplicate charge and have reversed the second one.",
                          "Could you share the last four digits of the card so I can check?"),
        "login_otp": ("I've reset your password; please check your inbox.",
                      "Please confirm the mobile number on your account is correct."),
        "app_crash": ("Please update to the latest version and clear the app cache.",
                      "I've passed this to our technical team."),
        "subscription_cancel": ("Your subscription has been cancelled and won't renew.",
                                "You can switch off auto-renew under Settings > Subscriptions."),
        "praise": ("Thank you so much for the kind words!", "I'll pass your thanks on to the team."),
        "branch_visit": ("I'm sorry about your visit; I've shared it with the branch manager.",
                         "The branch is open 9am to 11pm."),
        "warranty": ("I've opened a warranty repair; please bring the device with invoice {invoice}.",
                     "The warranty covers manufacturing defects for two years."),
    },
    "arabizi": {
        "delivery_late": ("kalemna sharket el sha7n w el order {order} hywsal bokra",),
        "wrong_item": ("hanb3atlak el sa7 w nakhod el ghalat bdon masareef",),
        "refund": ("3amalna refund b {amount} w hywsal 5elal 5-7 ayam",),
        "double_charge": ("rage3na w fe3lan et5asam marteen, 5alas laghena el tany",),
        "login_otp": ("3amalna reset lel password, shoof el email",),
        "app_crash": ("7adeth el app w emsa7 el cache w garab tany",),
        "subscription_cancel": ("laghena el eshterak w msh hyetgadad",),
        "praise": ("rabena y5aleek, kalamak yefra7",),
        "branch_visit": ("sorry gedan, ballaghna modeer el far3",),
        "warranty": ("fata7nalak talab siyana 3al daman",),
    },
    "code_switched": {
        "delivery_late": ("كلمنا الـ courier والـ order {order} هيوصل tomorrow",),
        "wrong_item": ("هنبعت الـ correct item ونعمل pickup للغلط free",),
        "refund": ("عملنا الـ refund بـ {amount}، هيوصل within 5-7 days",),
        "double_charge": ("شيكنا والـ duplicate charge اتلغى",),
        "login_otp": ("عملنا reset للـ password، check الـ inbox",),
        "app_crash": ("اعمل update للـ app واعمل clear cache",),
        "subscription_cancel": ("الـ subscription اتلغى ومش هيعمل renew",),
        "praise": ("thank you جداً على الـ feedback",),
        "branch_visit": ("الـ branch بيفتح من 10am لـ 10pm",),
        "warranty": ("فتحنا repair request على الـ warranty",),
    },
}
AGENT_ASKS = {
    "msa": ("هل يمكنك تزويدنا برقم الطلب؟", "يرجى إرسال لقطة شاشة للخطأ.", "يرجى تأكيد عنوان التوصيل."),
    "gulf": ("ممكن رقم الطلب؟", "ارسل لنا صورة للشاشة لو سمحت.", "أكد لنا العنوان."),
    "egyptian": ("ممكن رقم الأوردر؟", "ابعتلنا سكرين شوت للمشكلة.", "أكدلنا العنوان لو سمحت."),
    "english": ("Could you share your order number?", "Could you send a screenshot of the error?",
                "Please confirm your delivery address."),
    "arabizi": ("momken raqam el order?", "eb3atlena screenshot", "akkedlena el 3enwan"),
    "code_switched": ("ممكن الـ order number؟", "ابعت screenshot للـ error", "confirm الـ address لو سمحت"),
}
AGENT_PROGRESS = {
    "msa": ("ما زلنا نتابع الموضوع مع القسم المختص.", "شكراً لإرسال المعلومات، جاري المراجعة."),
    "gulf": ("للحين نتابع الموضوع.", "وصلتنا المعلومات، قاعدين نراجع."),
    "egyptian": ("لسه بنتابع مع القسم المختص.", "وصلتنا البيانات وبنراجعها."),
    "english": ("We're still following up with the relevant team.", "Thanks for the details, we're reviewing them."),
    "arabizi": ("lessa bnetab3 m3a el team", "weselna el data w bnraga3ha"),
    "code_switched": ("لسه بنعمل follow up مع الـ team", "وصلنا الـ details وبنراجعها"),
}
AGENT_RESOLVED = {
    "msa": ("تم حل المشكلة، يرجى التأكيد.", "تم إغلاق الطلب بعد معالجة المشكلة."),
    "gulf": ("انحلت المشكلة، أكد لنا لو سمحت.", "خلصنا الموضوع، إذا فيه شي ثاني علمنا."),
    "egyptian": ("المشكلة اتحلت، أكدلنا لو سمحت.", "خلصنا الموضوع، لو في حاجة تانية قولنا."),
    "english": ("This should be fixed now, please confirm.", "All done on our side."),
    "arabizi": ("el moshkela et7alet, akkedlena", "5alasna el mawdoo3"),
    "code_switched": ("الـ issue اتحلت، please confirm", "done من عندنا"),
}
AGENT_CLOSE = {
    "msa": ("نحن في خدمتك دائماً.", "هل هناك أي شيء آخر يمكننا مساعدتك به؟", "مع أطيب التحيات،\n{aname}",
            "شكراً لصبرك."),
    "gulf": ("بالخدمة دايماً.", "تامر على شي ثاني؟", "شاكرين صبرك."),
    "egyptian": ("تحت أمرك في أي وقت.", "أي خدمة تانية؟", "شكراً لصبر حضرتك."),
    "english": ("Let us know if there's anything else.", "Best regards,\n{aname}", "Thanks for your patience.",
                "Happy to help!"),
    "arabizi": ("ay 5edma tanya?", "ta7t amrak", "shokran 3ala sabrak"),
    "code_switched": ("أي حاجة تانية، let us know", "Best regards، {aname}", "thanks على صبرك"),
}
NOTES = {
    "english": ("Checked with courier, shipment stuck at hub. Order {order}.", "Customer is VIP, handle with priority.",
                "Refund of {amount} approved by finance.", "Escalated to tier 2.",
                "Duplicate charge confirmed in payment gateway.", "Asked logistics for ETA on {order}.",
                "Customer called twice, sounds upset.", "Waiting on warehouse photos of the {product}.",
                "Customer contact on file: {phone}."),
    "msa": ("تمت مراجعة الطلب {order} مع المستودع.", "العميل اتصل أكثر من مرة.", "تم التصعيد للمشرف.",
            "بانتظار رد القسم المالي بخصوص مبلغ {amount}.", "تم التحقق من بيانات العميل {email}."),
}
SYSTEM = {
    "auto": {
        "english": ("Thank you for contacting us. We have received your request and will reply within 24 hours.",
                    "This is an automated reply: your request has been received.",
                    "We're on it! An agent will get back to you shortly."),
        "msa": ("شكراً لتواصلك معنا. تم استلام طلبك وسيتم الرد خلال ٢٤ ساعة.",
                "هذا رد آلي: تم استلام طلبك وسيتواصل معك أحد ممثلي خدمة العملاء.",
                "تم استلام رسالتك، ساعات العمل من الأحد إلى الخميس."),
    },
    "survey": {
        "english": ("How would you rate the support you received? Reply with a number from 1 to 5.",
                    "Your request has been solved. Tell us how we did: Good 👍 or Bad 👎?",
                    "We'd love your feedback on this conversation."),
        "msa": ("كيف تقيّم الخدمة المقدمة؟ يرجى الرد برقم من ١ إلى ٥.", "تم حل طلبك. شاركنا رأيك: جيد 👍 أم سيئ 👎؟",
                "يسعدنا معرفة رأيك في الخدمة."),
    },
}
SUBJECTS = {
    "msa": ("تأخر توصيل الطلب", "استفسار عن موعد التوصيل", "استلام منتج خاطئ", "منتج تالف", "طلب استرداد مبلغ",
            "استرداد المبلغ لم يصل", "خصم مكرر", "استفسار عن الفاتورة", "مشكلة في تسجيل الدخول",
            "رمز التحقق لا يصل", "مشكلة في التطبيق", "خطأ عند الدفع", "إلغاء الاشتراك",
            "تجديد تلقائي دون موافقة", "شكر وتقدير", "تجربة ممتازة", "ملاحظة على الفرع",
            "مواعيد عمل الفرع", "طلب صيانة ضمن الضمان", "استفسار عن الضمان"),
    "gulf": ("الطلب ما وصل", "وين الطلب؟", "وصلني غلط", "القطعة مكسورة", "ابي فلوسي", "الاسترجاع تأخر",
             "انسحب المبلغ مرتين", "خصم زيادة", "ما اقدر ادخل", "الكود ما يوصل", "التطبيق معلق",
             "البرنامج يطلعني", "ابي الغي الاشتراك", "الاشتراك تجدد", "مشكورين", "خدمة زينة", "الفرع",
             "مواعيد الفرع", "الجهاز خرب", "الضمان"),
    "egyptian": ("الأوردر موصلش", "الطلب اتأخر", "المنتج غلط", "المنتج جه مكسور", "عايز فلوسي",
                 "الريفند اتأخر", "اتخصم مرتين", "مشكلة في الفاتورة", "مش عارف أدخل", "الكود مش بيوصل",
                 "الأبلكيشن بيقفل", "التطبيق مهنج", "عايز ألغي الاشتراك", "الاشتراك اتجدد لوحده",
                 "شكراً ليكم", "خدمة محترمة", "شكوى من الفرع", "الفرع بيفتح امتى", "الجهاز باظ",
                 "سؤال عن الضمان"),
    "english": ("Order not delivered", "Late delivery", "Wrong item received", "Damaged item", "Refund request",
                "Refund not received", "Charged twice", "Billing question", "Can't log in", "OTP not arriving",
                "App crashing", "Error at checkout", "Cancel subscription", "Unwanted renewal", "Thank you!",
                "Great service", "Branch complaint", "Branch opening hours", "Warranty repair",
                "Warranty question"),
    "arabizi": ("el order mawsalsh", "wen el 6alab", "wasalni ghala6", "el montag maksoor", "3ayez felosy",
                "refund", "et5asamt marteen", "moshkela fel fatoora", "msh 3aref a3mel login",
                "el code ma yewsal", "el app bey2fel", "el app m3allag", "alghy el eshterak",
                "el eshterak etgadad", "shokran 3al 5edma", "5edma 7elwa", "el far3", "mawa3eed el far3",
                "el gehaz baz", "el daman"),
    "code_switched": ("الـ order اتأخر", "الـ delivery متأخرة", "wrong item وصلني", "الـ product مكسور",
                      "عايز refund", "الـ refund ما وصل", "double charge على الـ card", "مشكلة في الـ invoice",
                      "مش قادر أعمل login", "الـ OTP ما يوصل", "الـ app بيعمل crash", "error في الـ checkout",
                      "cancel الـ subscription", "الـ auto-renew", "thank you على الـ service",
                      "service ممتازة", "complaint على الـ branch", "الـ branch hours", "الـ warranty",
                      "repair على الـ warranty"),
}

# ---------------------------------------------------------------- noise
EMOJI = {"angry": ("😡", "😤", "🙄", "😒", "💔", "😠", "🤬", "😩"),
         "happy": ("👍", "🙏", "❤️", "😍", "🔥", "👌", "😊", "🌹", "💯", "😂"),
         "neutral": ("🙏", "🤔", "😅", "🙂", "👀", "😂")}
AGENT_EMOJI = ("🙏", "😊", "🌹", "👍")
EMOJI_RATE = {"msa": 0.06, "gulf": 0.25, "egyptian": 0.28, "english": 0.16, "arabizi": 0.3,
              "code_switched": 0.25}
TATWEEL_RATE = {"msa": 0.04, "gulf": 0.07, "egyptian": 0.06, "code_switched": 0.03}
TASHKEEL_RATE = {"msa": 0.10, "gulf": 0.03, "egyptian": 0.03, "code_switched": 0.02}
ELONGATE_RATE = {"angry": 0.09, "happy": 0.12, "neutral": 0.03}
HARAKAT = ("\u064b", "\u064c", "\u064d", "\u064e", "\u064f", "\u0650", "\u0651", "\u0652")
_NON_CONNECTING = frozenset("اأإآدذرزوؤةءى")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass(frozen=True)
class Facts:
    """What a conversation is about; every message renders these consistently."""

    order: str
    invoice: str
    amount: float
    currency: str
    product: int
    order_date: date
    email: str
    alt_email: str
    phone: str | None
    alt_phone: str
    country: str
    customer_first: tuple[str, str]
    agent_first: tuple[str, str]


def pick_weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    """Choose from (value, weight) pairs; tiny tables, so a linear scan is fine."""
    x = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def neighbor(rng: random.Random, variety: str) -> str:
    return rng.choice(NEIGHBORS[variety])


def agent_variety(rng: random.Random, customer_variety: str) -> str:
    return pick_weighted(rng, AGENT_VARIETY[customer_variety])


def format_phone(rng: random.Random, e164: str, country: str) -> str:
    """Render an E.164 number the way people type it: local, spaced or international."""
    cc = PHONE_PLANS[country][0]
    national = e164[1 + len(cc):]
    local = ("0" + national) if country in TRUNK_ZERO else national
    r = rng.random()
    if r < 0.3:
        return local
    if r < 0.45:
        return e164
    if r < 0.55:
        return "00" + cc + national
    if r < 0.75:
        return _group(local, _LOCAL_CUTS.get(len(local), (4,)))
    cuts = _INTL_CUTS.get(country) or _INTL_CUTS.get(len(national), (4,))
    return f"+{cc} " + _group(national, cuts)


_LOCAL_CUTS = {10: (3, 6), 11: (3, 7), 8: (4,)}
_INTL_CUTS: dict = {9: (2, 5), 10: (2, 6), "GB": (4,), "US": (3, 6)}


def _group(digits: str, cuts: tuple[int, ...]) -> str:
    return " ".join(digits[a:b] for a, b in zip((0, *cuts), (*cuts, None), strict=True))


class _Slots(dict):
    """Placeholder values rendered lazily, once per message, so unused slots cost nothing."""

    def __init__(self, rng: random.Random, variety: str, facts: Facts) -> None:
        super().__init__()
        self.rng, self.variety, self.facts = rng, variety, facts
        self.arabic = variety in ARABIC_SCRIPT

    def __missing__(self, key: str) -> str:
        value = getattr(self, "_" + key)()
        self[key] = value
        return value

    def _digits(self, s: str) -> str:
        if not self.arabic:
            return s
        r = self.rng.random()
        if r < 0.25:
            return s.translate(_ARABIC_INDIC)
        if r < 0.29:
            return s.translate(_PERSIAN)
        return s

    def _order(self) -> str:
        return self._digits(self.rng.choice(ORDER_FORMATS).format(self.facts.order))

    def _invoice(self) -> str:
        return self._digits(self.facts.invoice)

    def _amount(self) -> str:
        f, rng = self.facts, self.rng
        three = f.currency in ("KWD", "BHD", "OMR")
        num = f"{f.amount:.3f}" if three else (f"{f.amount:,.0f}" if rng.random() < 0.6 else f"{f.amount:.2f}")
        num = self._digits(num)
        if self.arabic and (self.variety != "code_switched" or rng.random() < 0.5):
            return f"{num} {rng.choice(CURRENCY_AR[f.currency])}"
        symbol = CURRENCY_SYMBOL.get(f.currency)
        if symbol and rng.random() < 0.5:
            return symbol + num
        return f"{num} {f.currency}" if rng.random() < 0.6 else f"{f.currency} {num}"

    def _product(self) -> str:
        pool = PRODUCTS_AR if self.variety in ("msa", "gulf", "egyptian") else PRODUCTS_EN
        return self._digits(pool[self.facts.product])

    def _date(self) -> str:
        d, rng = self.facts.order_date, self.rng
        if rng.random() < 0.45:
            text = f"{d.day}/{d.month}" if rng.random() < 0.6 else f"{d.day}/{d.month}/{d.year}"
            return self._digits(text)
        wd = d.weekday()
        name = (WEEKDAYS_EN if self.variety == "english" else WEEKDAYS_ARABIZI if self.variety == "arabizi"
                else WEEKDAYS_AR)[wd]
        return rng.choice(DATE_WORDS[self.variety]).format(wd=name)

    def _email(self) -> str:
        return self.facts.email if self.rng.random() < 0.75 else self.facts.alt_email

    def _phone(self) -> str:
        f = self.facts
        e164 = f.phone if f.phone and self.rng.random() < 0.75 else f.alt_phone
        return self._digits(format_phone(self.rng, e164, f.country))

    def _cname(self) -> str:
        return self.facts.customer_first[1 if self.arabic else 0]

    def _aname(self) -> str:
        return self.facts.agent_first[1 if self.arabic else 0]


def _join(rng: random.Random, parts: list[str], arabic: bool) -> str:
    out = parts[0]
    comma = "، " if arabic else ", "
    for part in parts[1:]:
        if out[-1] in ".!?؟،,:" or out[-1] > "\u2000":
            out += rng.choice((" ", " ", "\n"))
        else:
            out += rng.choice((" ", comma, "\n", ". " if not arabic else " "))
        out += part
    return out


def _is_arabic_word(word: str) -> bool:
    return len(word) >= 3 and all("\u0621" <= ch <= "\u064a" for ch in word)


def _tatweel(rng: random.Random, word: str) -> str:
    spots = [i for i in range(len(word) - 1) if word[i] not in _NON_CONNECTING and word[i] != "ء"]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[: i + 1] + "ـ" * rng.randint(2, 6) + word[i + 1:]


def _tashkeel(rng: random.Random, word: str) -> str:
    """Short vowels inside the word, tanween only at its end, as writers place them."""
    out = [ch + (rng.choice(HARAKAT[3:]) if rng.random() < 0.6 else "") for ch in word[:-1]]
    return "".join(out) + word[-1] + (rng.choice(HARAKAT) if rng.random() < 0.7 else "")


def _elongate(rng: random.Random, word: str) -> str:
    vowels = "اوي" if "\u0600" <= word[0] <= "\u06ff" else "aeiouy"
    spots = [i for i in range(1, len(word)) if word[i] in vowels] or [len(word) - 1]
    i = rng.choice(spots)
    return word[: i + 1] + word[i] * rng.randint(2, 5) + word[i + 1:]


def _touch_word(rng: random.Random, text: str, test, change) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if test(w)]
    if idx:
        i = rng.choice(idx)
        words[i] = change(rng, words[i])
    return " ".join(words)


def _latin_word(word: str) -> bool:
    return len(word) >= 3 and word.isascii() and word.isalpha() and word.islower()


def decorate(rng: random.Random, text: str, variety: str, mood: str, casual: bool) -> str:
    """Add the typographic noise of real customer messages at per-variety rates."""
    arabic = variety in ARABIC_SCRIPT
    if arabic and rng.random() < TATWEEL_RATE[variety]:
        text = _touch_word(rng, text, _is_arabic_word, _tatweel)
    if arabic and rng.random() < TASHKEEL_RATE[variety]:
        for _ in range(rng.randint(1, 2)):
            text = _touch_word(rng, text, _is_arabic_word, _tashkeel)
    if rng.random() < ELONGATE_RATE[mood] * (0.3 if variety == "msa" else 1.0):
        test = _is_arabic_word if arabic and variety != "code_switched" else \
            (lambda w: _is_arabic_word(w) or _latin_word(w))
        text = _touch_word(rng, text, test, _elongate)
    if rng.random() < EMOJI_RATE[variety] * (1.5 if casual else 1.0):
        emoji = rng.choice(EMOJI[mood])
        text += (" " if rng.random() < 0.7 else "") + emoji * rng.choice((1, 1, 2, 3))
    return text


def customer_first(rng: random.Random, variety: str, topic: str, facts: Facts, mood: str,
                   casual: bool) -> str:
    """Opening message: greeting + problem + optional detail/contact/ask/closing."""
    slots = _Slots(rng, variety, facts)
    parts = [rng.choice(GREETINGS[variety])] if rng.random() < 0.65 else []
    parts.append(rng.choice(PROBLEMS[variety][topic]))
    if rng.random() < 0.6:
        parts.append(rng.choice(DETAILS[variety]))
    if rng.random() < (0.35 if topic == "login_otp" else 0.12):
        parts.append(rng.choice(CONTACTS[variety]))
    if mood == "angry" and rng.random() < 0.12:
        parts.append(rng.choice(SARCASM[variety]))
    if rng.random() < 0.45:
        parts.append(rng.choice(ASKS[variety]))
    if rng.random() < 0.45:
        parts.append(rng.choice(CLOSINGS[variety]))
    text = _join(rng, parts, variety in ARABIC_SCRIPT).format_map(slots)
    return decorate(rng, text, variety, mood, casual)


def customer_next(rng: random.Random, variety: str, topic: str, facts: Facts, mood: str,
                  casual: bool, thanks: bool) -> str:
    """A chase-up or a thank-you, with references so replies are not all identical."""
    slots = _Slots(rng, variety, facts)
    parts = [rng.choice(GREETINGS[variety])] if rng.random() < 0.2 else []
    parts.append(rng.choice((THANKS if thanks else FOLLOWUPS)[variety]))
    if rng.random() < 0.45:
        parts.append(rng.choice(DETAILS[variety]))
    if rng.random() < 0.08:
        parts.append(rng.choice(CONTACTS[variety]))
    if not thanks:
        if mood == "angry" and rng.random() < 0.15:
            parts.append(rng.choice(SARCASM[variety]))
        if rng.random() < 0.35:
            parts.append(rng.choice(ASKS[variety]))
    if rng.random() < 0.35:
        parts.append(rng.choice(CLOSINGS[variety]))
    text = _join(rng, parts, variety in ARABIC_SCRIPT).format_map(slots)
    return decorate(rng, text, variety, "happy" if thanks else mood, casual)


def _agent_tail(rng: random.Random, variety: str, parts: list[str], facts: Facts) -> str:
    if rng.random() < 0.55:
        parts.append(rng.choice(AGENT_CLOSE[variety]))
    text = _join(rng, parts, variety in ARABIC_SCRIPT).format_map(_Slots(rng, variety, facts))
    if variety == "msa" and rng.random() < 0.04:
        text = _touch_word(rng, text, _is_arabic_word, _tashkeel)
    if rng.random() < 0.04:
        text += " " + rng.choice(AGENT_EMOJI)
    return text


def agent_first(rng: random.Random, variety: str, topic: str, facts: Facts, mood: str, ask: bool) -> str:
    """First public agent reply: greeting, intro, apology for complaints, then action or question."""
    parts = [rng.choice(AGENT_OPEN[variety])] if rng.random() < 0.85 else []
    if rng.random() < 0.4:
        parts.append(rng.choice(AGENT_INTRO[variety]))
    if rng.random() < (0.7 if mood == "angry" else 0.15) and topic != "praise":
        parts.append(rng.choice(AGENT_APOLOGY[variety]))
    parts.append(rng.choice(AGENT_ASKS[variety] if ask else AGENT_ACTIONS[variety][topic]))
    return _agent_tail(rng, variety, parts, facts)


def agent_next(rng: random.Random, variety: str, topic: str, facts: Facts, resolving: bool) -> str:
    """Later agent reply: progress update, or the action that resolves the case."""
    parts = [rng.choice(AGENT_OPEN[variety])] if rng.random() < 0.4 else []
    if resolving:
        parts.append(rng.choice(AGENT_ACTIONS[variety][topic]))
        parts.append(rng.choice(AGENT_RESOLVED[variety]))
    else:
        parts.append(rng.choice(AGENT_PROGRESS[variety]))
    return _agent_tail(rng, variety, parts, facts)


def agent_note(rng: random.Random, variety: str, facts: Facts, colleague: tuple[str, str] | None) -> str:
    """Internal note (english or msa); agents write these tersely."""
    slots = _Slots(rng, variety, facts)
    notes = NOTES[variety]
    parts = [rng.choice(notes)]
    if rng.random() < 0.35:
        parts.append(rng.choice(notes))
    if colleague is not None:
        parts.append(f"@{colleague[0]}" if variety == "english" else f"@{colleague[1]} للمتابعة")
    return " ".join(parts).format_map(slots)


def system_text(rng: random.Random, variety: str, kind: str) -> str:
    return rng.choice(SYSTEM[kind][variety])


def subject(rng: random.Random, variety: str, topic: str, facts: Facts) -> str:
    """Short subject line in the conversation's variety, sometimes with the order number."""
    i = TOPICS.index(topic) * 2 + rng.randint(0, 1)
    line = SUBJECTS[variety][i]
    if rng.random() < 0.3 and topic != "praise":
        line += " - " + _Slots(rng, variety, facts)["order"]
    return line
