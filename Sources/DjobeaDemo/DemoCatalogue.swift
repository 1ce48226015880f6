import DjobeaDomain
import Foundation

/// The words of the demo: Cameroonian names, Bonamoussadi landmarks, bios, comments and notes, in French.
enum DemoCatalogue {
    // MARK: - People

    static let maleFirstNames = [
        "Jean", "Paul", "Emmanuel", "Serge", "Hervé", "Alain", "Patrice", "Christian", "Blaise", "Rodrigue", "Landry", "Franck",
        "Arnaud", "Boris", "Cyrille", "Joël", "Thierry", "Samuel", "Ibrahim", "Moussa", "Aboubakar", "Brice", "Achille", "Gaston",
        "Roger", "Martial", "Éric", "Olivier", "Stéphane", "Yannick", "Armel", "Steve", "Clovis", "Valentin", "Didier", "Jacques",
        "Francis", "Guy", "Lionel", "Junior", "Ulrich", "Fabrice", "Marcel", "Hamadou", "Kevin", "Rostand",
    ]

    static let femaleFirstNames = [
        "Marie", "Brigitte", "Carine", "Sandrine", "Nadège", "Estelle", "Mireille", "Laure", "Solange", "Pauline", "Josiane",
        "Christelle", "Vanessa", "Aïcha", "Hadiza", "Françoise", "Grâce", "Ornella", "Danielle", "Flore", "Gisèle", "Yolande",
        "Rachel", "Sylvie", "Annie", "Murielle", "Prisca", "Hortense", "Berthe", "Clarisse", "Larissa", "Raïssa", "Édith", "Cynthia",
    ]

    static let lastNames = [
        "Kouam", "Tchinda", "Ngo Biyong", "Ekwalla", "Essomba", "Fotso", "Nkoulou", "Tchoupo", "Ngassa", "Mouafo", "Djoumessi",
        "Kamga", "Tagne", "Nana", "Ngono", "Atangana", "Mballa", "Ndjock", "Bell", "Manga", "Ebongue", "Ndoumbe", "Epée",
        "Dikongue", "Moukouri", "Njoya", "Mbarga", "Onana", "Bikoko", "Tchakounte", "Nguimfack", "Wandji", "Simo", "Talla",
        "Kenfack", "Fokou", "Kameni", "Abena", "Owona", "Zambo", "Ayissi", "Mvondo", "Nkwenti", "Tabi", "Ngwa", "Sadou", "Bouba",
        "Ndzana", "Etoundi", "Priso", "Din", "Kotto", "Eboa", "Toko", "Ngo Mbock", "Nyemb", "Mbida", "Foning", "Tsafack", "Youmbi",
    ]

    // MARK: - Places

    /// Landmarks as people give them in Douala: there are few street numbers.
    static let landmarks = [
        "Rue du Marché", "derrière la pharmacie", "face station Total", "près de l'école publique", "Rue des Palmiers",
        "derrière la boulangerie", "après le rond-point", "près de la station Tradex", "face église catholique",
        "porte verte après le kiosque Orange", "derrière le terrain de foot", "à côté du snack Le Bonheur", "derrière le supermarché",
        "face à la clinique", "ancienne route, portail noir", "rue de la mosquée", "en face du pressing", "au fond de la ruelle, maison jaune",
    ]

    /// Landmarks that belong to one quarter, by zone code.
    static let quarterLandmarks: [String: [String]] = [
        "bonamoussadi-centre": ["près du marché Bonamoussadi", "Carrefour Bonamoussadi"], "denver": ["entrée Denver, immeuble bleu"],
        "santa-barbara": ["montée Santa Barbara"], "makepe": ["Carrefour Maképè", "Cité SIC Maképè"],
        "makepe-missoke": ["après la chefferie de Missoké"],
        "kotto": ["Carrefour Kotto"], "bangue": ["Carrefour Bangue"], "lycee": ["Carrefour Lycée", "derrière le lycée"],
    ]

    static let addressDetails = [
        "", "", "", "2e étage", "1er étage, porte gauche", "maison avec portail bleu", "appartement 4", "immeuble Ngassa",
        "villa blanche", "au fond de la cour", "3e étage sans ascenseur", "barrière grise",
    ]

    // MARK: - Providers

    static let bioOpenings = [
        "Artisan sérieux et ponctuel", "Technicien qualifié", "Professionnel du quartier", "Passionné par mon métier",
        "Travail propre et garanti", "Intervention rapide",
    ]

    static func bio(service: ServiceCode, years: Int, zone: String) -> String {
        let craft =
            switch service {
            case .plomberie: "Plombier depuis \(years) ans : fuites, débouchage, installation sanitaire et chauffe-eau."
            case .electricite: "Électricien bâtiment depuis \(years) ans : dépannage, tableaux, prises, éclairage et mise aux normes."
            default: "Réparateur électroménager depuis \(years) ans : frigos, congélateurs, climatiseurs, machines à laver, cuisinières."
            }
        return "\(craft) Basé à \(zone), j'interviens vite dans tout Bonamoussadi. Devis gratuit, paiement MoMo accepté."
    }

    static let certifications: [ServiceCode: [(title: String, issuer: String)]] = [
        .plomberie: [
            ("CAP Plomberie sanitaire", "Lycée technique de Douala-Koumassi"),
            ("Installation de chauffe-eau solaires", "Centre de formation AFPA Douala"),
        ],
        .electricite: [
            ("BT Électrotechnique", "Lycée technique de Douala-Koumassi"),
            ("Habilitation électrique BR", "Centre de formation professionnelle de Bonabéri"),
        ],
        .electromenager: [
            ("Certificat Froid et climatisation", "IUT de Douala"),
            ("Réparation d'électroménager", "Centre de formation professionnelle de Bonabéri"),
        ],
    ]

    static let djobeaCertification = (title: "Certification Djobea – qualité de service", issuer: "Djobea")

    static let absenceReasons = [
        "Funérailles au village", "Congé familial", "Formation", "Maladie", "Voyage à Bafoussam", "Mariage d'un frère",
        "Chantier hors de Douala", "Repos",
    ]

    // MARK: - Requests

    static let descriptionExtras = [
        "Je suis disponible toute la journée.", "Appelez-moi avant de venir.", "Il y a un chien dans la cour, il est attaché.",
        "Le portail est noir.", "Merci de venir avec le matériel.", "C'est assez pressé.", "Je paie par MoMo.",
        "Ma voisine vous a recommandé.", "Je rentre du travail à 17h.", "C'est chez ma mère, elle sera là.",
    ]

    static let declineNotes: [DeclineReason: [String]] = [
        .agendaPlein: ["Je suis déjà sur un chantier jusqu'à 17h", "Trois interventions prévues aujourd'hui", "Pas de créneau avant demain"],
        .horsZone: ["Trop loin de ma zone habituelle", "Je ne travaille pas de ce côté"],
        .horsCompetence: ["Je ne fais pas ce type d'appareil", "Il faut un frigoriste", "C'est un travail de maçon"],
        .budgetInsuffisant: ["Le budget ne couvre pas le matériel", "Le prix proposé est trop bas pour ce travail"],
        .indisponible: ["Je suis malade aujourd'hui", "Je suis au village ce week-end", "Ma moto est en panne"],
        .distanceTropGrande: ["Pas de moto aujourd'hui, c'est trop loin", "Les routes sont inondées de ce côté"],
        .autre: ["Pièce introuvable en ce moment", "Client déjà suivi par un collègue"],
    ]

    static let declineWeights: [(DeclineReason, Double)] = [
        (.agendaPlein, 34), (.horsZone, 12), (.horsCompetence, 10), (.budgetInsuffisant, 14), (.indisponible, 16),
        (.distanceTropGrande, 8), (.autre, 6),
    ]

    static let clientCancelReasons: [(code: String, note: String)] = [
        ("probleme_resolu", "Le problème s'est réglé tout seul"), ("autre_prestataire", "J'ai trouvé quelqu'un du quartier"),
        ("trop_cher", "Finalement c'est trop cher pour moi"), ("absent", "Je dois voyager, je vous recontacte"),
        ("erreur", "Demande envoyée par erreur"),
    ]

    static let lateCancelReasons: [(code: String, note: String)] = [
        ("proprietaire", "Le propriétaire a fait venir son propre technicien"), ("changement_avis", "Le client a changé d'avis sur place"),
        ("absent", "Personne pour ouvrir, le client est parti"),
    ]

    // MARK: - Conversations

    static let greetings = [
        "Bonjour {client}, je suis {provider} de Djobea. J'ai bien reçu votre demande « {title} ». Je m'en occupe.",
        "Bonsoir {client}, {provider} de Djobea. Votre demande « {title} » est acceptée, je vous tiens au courant.",
        "Bonjour {client} ! C'est {provider}, prestataire Djobea. J'ai accepté votre demande « {title} ».",
    ]

    static func greeting(_ template: String, client: String, provider: String, title: String) -> String {
        template.replacingOccurrences(of: "{client}", with: client).replacingOccurrences(of: "{provider}", with: provider)
            .replacingOccurrences(of: "{title}", with: title)
    }

    static let clientAnswers = [
        "Oui c'est au 1er étage, portail bleu.", "Je serai là à partir de 14h.", "C'est un Samsung, il a environ 5 ans.",
        "Ça a commencé hier soir.", "Je vous envoie la photo tout de suite.", "Après le carrefour, demandez la maison du pasteur.",
        "Je suis là toute la matinée.", "C'est une marque LG, modèle récent.", "Oui, l'eau coule toujours.",
    ]

    static let clientAcknowledgements = ["D'accord, je vous attends.", "Ok merci.", "Je suis là.", "Très bien, à tout de suite."]

    static let clientThanks = ["Merci beaucoup !", "Merci, bon travail.", "Merci chef, Dieu vous bénisse.", "Super, merci."]

    static let callNotes = [
        "Client rappelé pour confirmer l'adresse", "Le client demande de passer après 16h", "Explication du devis au téléphone",
        "Précisions sur la marque de l'appareil", "Le client confirme le paiement par MoMo", "Rendez-vous confirmé pour demain matin",
        "Le client souhaite un devis avant l'intervention", "Point de repère : derrière la pharmacie",
    ]

    /// What the provider found, noted with the "Diagnostic" stage.
    static let diagnosisNotes: [ServiceCode: [String]] = [
        .plomberie: [
            "Joint de siphon usé", "Tuyau fissuré sous l'évier", "Mécanisme de chasse entartré", "Bouchon de graisse dans la canalisation",
            "Raccord mal serré",
        ],
        .electricite: [
            "Câble dénudé dans la boîte de dérivation", "Disjoncteur sous-dimensionné", "Prise grillée", "Neutre desserré au tableau",
            "Humidité dans la boîte de dérivation",
        ],
        .electromenager: [
            "Fuite de gaz au condenseur", "Relais de démarrage hors service", "Pompe de vidange bloquée par une pièce de monnaie",
            "Thermostat défectueux", "Condensateur gonflé",
        ],
    ]

    // MARK: - Ratings

    static let comments: [Int: [String]] = [
        5: [
            "Travail propre et rapide, je recommande !", "Très professionnel, ponctuel.", "Merci beaucoup, tout fonctionne parfaitement.",
            "Bon travail, prix correct.", "Il a pris le temps d'expliquer le problème.", "Excellent, je le rappellerai.",
            "Arrivé en moins d'une heure, top !",
        ],
        4: ["Bon travail mais arrivé un peu en retard.", "Satisfait, mais un peu cher.", "Travail correct.", "Sérieux, bon contact."],
        3: ["Le problème est réglé mais il a fallu le rappeler deux fois.", "Moyen, il a laissé de la saleté.", "Correct sans plus."],
        2: ["Arrivé avec 2 heures de retard.", "La fuite a repris le lendemain.", "Trop cher pour ce qui a été fait."],
        1: ["Très déçu, le problème n'est pas réglé.", "Ne répond plus au téléphone après le paiement."],
    ]

    // MARK: - Dates in French

    static let weekdayNames = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    static let monthNames = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]

    /// "samedi 14 mars" in Douala time.
    static func dayLabel(_ date: Date) -> String {
        let calendar = DoualaCalendar()
        let key = calendar.dayKey(date).split(separator: "-").compactMap { Int($0) }
        guard key.count == 3 else { return calendar.dayKey(date) }
        return "\(weekdayNames[calendar.weekday(date) - 1]) \(key[2]) \(monthNames[key[1] - 1])"
    }

    /// An email-safe lowercase form of a name ("Ngo Biyong" → "ngobiyong").
    static func asciiSlug(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr"))
        return String(folded.lowercased().unicodeScalars.filter { ($0 >= "a" && $0 <= "z") }.map(Character.init))
    }
}
