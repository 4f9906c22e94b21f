"""The raw material of the demo: companies, names and survey comments in three languages."""

# (company, email domain, language of most of its people, how well it is going: -1 … +1)
COMPANIES = [
    ("Lumière Voyages", "lumiere-voyages.example", "fr", 0.6),
    ("Boulangeries Lefèvre & Fils", "lefevre-fils.example", "fr", 0.3),
    ("Atelier Dupré Architectes", "atelier-dupre.example", "fr", 0.0),
    ("Clinique Vétérinaire des Érables", "veto-erables.example", "fr", -0.4),
    ("Boğaziçi Yazılım", "bogazici-yazilim.example", "tr", 0.5),
    ("Anadolu Lojistik", "anadolu-lojistik.example", "tr", -0.2),
    ("Kapadokya Turizm", "kapadokya-turizm.example", "tr", 0.2),
    ("Ege Tekstil A.Ş.", "ege-tekstil.example", "tr", -0.5),
    ("Northwind Traders", "northwind.example", "en", 0.4),
    ("Harbor & Pine Studio", "harborpine.example", "en", 0.1),
    ("Bluefin Analytics", "bluefin.example", "en", -0.1),
    ("Greenway Health", "greenway-health.example", "en", -0.3),
]

FIRST_NAMES = {
    "fr": ["Hélène", "François", "Zoé", "Chloé", "Amélie", "Benoît", "Jérôme", "Léa", "Noël",
           "Céline", "Gaëlle", "Maël", "Mathéo", "Anaïs", "Théo", "Loïc", "Éloïse", "Inès",
           "Raphaël", "Clémence", "Hervé", "Agnès", "Joël", "Margaux"],
    "tr": ["Şükrü", "İpek", "Çağla", "Gökhan", "Özlem", "Ömer", "Ayşe", "Büşra", "Uğur",
           "Gülşen", "Ilgın", "Süleyman", "Doğan", "Eylül", "Işıl", "Çağrı", "Şeyma", "Onur",
           "Elif", "Emre", "Zeynep", "Barış", "Güneş", "Tuğba"],
    "en": ["Emma", "Oliver", "Grace", "Liam", "Charlotte", "Harry", "Amelia", "Noah", "Isla",
           "Jack", "Sophie", "Ethan", "Chloe", "George", "Maya", "Samuel", "Ruby", "Daniel",
           "Hannah", "Lucas", "Olivia", "Arthur", "Freya", "Leo"],
}

LAST_NAMES = {
    "fr": ["Dupré", "Lefèvre", "Rousseau", "Bérenger", "Lemaître", "Giraud", "Fournier",
           "Mercier", "Gauthier", "Chevalier", "Lefèbvre", "Benoît", "Delacroix", "Faure",
           "Moreau", "Lambert", "Bonnaire", "Sénéchal"],
    "tr": ["Yılmaz", "Güneş", "Öztürk", "Çelik", "Şahin", "Aydın", "Kılıç", "Doğan", "Arslan",
           "Koç", "Kaya", "Demir", "Yıldız", "Erdoğan", "Özdemir", "Çetin", "Aksoy", "Şimşek"],
    "en": ["Smith", "Walker", "Hughes", "Bennett", "Clarke", "Turner", "Murphy", "O'Brien",
           "Patel", "Evans", "Wright", "Robinson", "Thompson", "Green", "Hall", "Baker",
           "Ahmed", "Campbell"],
}

COMMENTS = {
    "fr": {
        "promoter": [
            "Service impeccable, l'équipe a été réactive du début à la fin.",
            "Je recommande sans hésiter à mes collègues.",
            "Un vrai partenaire : à l'écoute, disponible et de bon conseil.",
            "La nouvelle version est bien plus rapide, bravo à toute l'équipe !",
            "Accompagnement personnalisé et résultats au rendez-vous.",
            "Toujours un plaisir de travailler avec vous, merci Élodie pour votre suivi.",
        ],
        "passive": [
            "Bon produit, mais les délais de livraison pourraient être améliorés.",
            "Globalement satisfait, quelques bugs à corriger sur l'application mobile.",
            "Correct, sans plus. Le prix a augmenté cette année.",
            "L'outil fait le travail, la documentation mériterait d'être plus claire.",
        ],
        "detractor": [
            "Trois semaines sans réponse du support, très déçu.",
            "Facturation erronée deux mois de suite, c'est inacceptable.",
            "Le service s'est nettement dégradé depuis le changement d'interlocuteur.",
            "Trop de pannes ce trimestre, nous envisageons d'autres solutions.",
        ],
    },
    "tr": {
        "promoter": [
            "Harika bir deneyim, ekip çok ilgiliydi.",
            "Kesinlikle arkadaşlarıma tavsiye ederim.",
            "Hızlı, güvenilir ve çözüm odaklı bir ekip. Teşekkürler!",
            "Yeni özellikler işimizi çok kolaylaştırdı, emeğinize sağlık.",
            "Destek ekibi her seferinde aynı gün dönüş yapıyor, çok memnunuz.",
        ],
        "passive": [
            "Genel olarak memnunum ama fiyatlar biraz yüksek.",
            "Ürün iyi, fakat teslimat süreleri uzun.",
            "Fena değil; mobil uygulamada bazı hatalar var.",
            "İşimizi görüyor, raporlama kısmı geliştirilebilir.",
        ],
        "detractor": [
            "Destek ekibine ulaşmak çok zor, hâlâ yanıt bekliyorum.",
            "Fatura hataları yüzünden çok vakit kaybettik.",
            "Son güncellemeden sonra sistem sürekli çöküyor.",
            "Sözleşmede vaat edilen hizmeti alamadık, hayal kırıklığı.",
        ],
    },
    "en": {
        "promoter": [
            "Fantastic support, they went above and beyond.",
            "Already recommended you to two other teams in our group.",
            "Onboarding was painless and the product just works.",
            "Great people, great product. Keep it up!",
            "The new dashboard saves us hours every week.",
        ],
        "passive": [
            "Solid product, but the pricing changes were poorly communicated.",
            "Does what we need; the mobile app could be faster.",
            "Good overall, though support can be slow on Fridays.",
            "Fine for now. Missing a couple of integrations we rely on.",
        ],
        "detractor": [
            "Waited two weeks for a reply to a critical ticket.",
            "We were billed twice and it took a month to sort out.",
            "Too many outages this quarter, we are looking at alternatives.",
            "The product has gone downhill since the redesign.",
        ],
    },
}

# The demo promoters who get an account: (first name, last name, company index, language).
DEMO_PROMOTERS = [
    ("Hélène", "Dupré", 0, "fr"),
    ("Şükrü", "Yılmaz", 4, "tr"),
    ("Grace", "Walker", 8, "en"),
]

