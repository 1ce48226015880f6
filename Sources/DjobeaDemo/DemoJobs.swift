import DjobeaDomain
import DjobeaStore
import Foundation

/// A part a provider may buy and bill for a job.
struct DemoMaterial: Sendable {
    let label: String
    let price: ClosedRange<Int>
    let maxQuantity: Int

    init(_ label: String, _ price: ClosedRange<Int>, max maxQuantity: Int = 1) {
        self.label = label
        self.price = price
        self.maxQuantity = maxQuantity
    }
}

/// A kind of job clients ask for: what they write, what it costs, how long it takes.
struct DemoJob: Sendable {
    enum Kind: Sendable {
        /// Something broke: often urgent.
        case panne
        /// Something to install: planned.
        case installation
    }

    let service: ServiceCode
    let kind: Kind
    let title: String
    let description: String
    /// The client's indicative budget.
    let budget: ClosedRange<Int>
    /// Labour as billed.
    let labour: ClosedRange<Int>
    let materials: [DemoMaterial]
    let repairMinutes: ClosedRange<Int>
    let weight: Double

    /// Urgency shares for this kind of job (≈15 % urgent overall).
    var urgencyWeights: [(Urgency, Double)] {
        switch kind {
        case .panne: [(.urgent, 20), (.aujourdhui, 40), (.cetteSemaine, 28), (.planifie, 12)]
        case .installation: [(.urgent, 0), (.aujourdhui, 10), (.cetteSemaine, 40), (.planifie, 50)]
        }
    }
}

enum DemoJobs {
    static let all: [ServiceCode: [DemoJob]] = [
        .plomberie: plomberie, .electricite: electricite, .electromenager: electromenager,
    ]

    static let serviceWeights: [(ServiceCode, Double)] = [(.plomberie, 42), (.electricite, 35), (.electromenager, 23)]

    static let plomberie: [DemoJob] = [
        DemoJob(
            service: .plomberie, kind: .panne, title: "Fuite sous l'évier de cuisine",
            description: "Fuite sous l'évier de cuisine, eau qui coule en permanence, le placard est tout mouillé.",
            budget: 15_000...25_000, labour: 8_000...15_000,
            materials: [
                DemoMaterial("Siphon PVC 40 mm", 2_500...4_000), DemoMaterial("Joint de siphon", 500...1_500, max: 2),
                DemoMaterial("Ruban téflon", 300...500),
            ], repairMinutes: 30...90, weight: 5),
        DemoJob(
            service: .plomberie, kind: .panne, title: "Robinet qui goutte",
            description: "Le robinet de la salle de bain goutte jour et nuit, même bien fermé.",
            budget: 5_000...10_000, labour: 4_000...7_000, materials: [DemoMaterial("Cartouche de robinet", 3_000...6_000)],
            repairMinutes: 20...45, weight: 4),
        DemoJob(
            service: .plomberie, kind: .panne, title: "WC qui coule en continu",
            description: "La chasse d'eau coule sans arrêt, la facture CDE va exploser.",
            budget: 10_000...18_000, labour: 6_000...10_000, materials: [DemoMaterial("Mécanisme de chasse d'eau", 6_000...9_000)],
            repairMinutes: 30...60, weight: 3),
        DemoJob(
            service: .plomberie, kind: .panne, title: "Canalisation bouchée",
            description: "L'eau de la douche ne descend plus et il y a une mauvaise odeur dans la maison.",
            budget: 10_000...20_000, labour: 8_000...15_000, materials: [DemoMaterial("Produit déboucheur", 2_000...3_500, max: 2)],
            repairMinutes: 40...120, weight: 4),
        DemoJob(
            service: .plomberie, kind: .panne, title: "Tuyau d'arrivée d'eau cassé",
            description: "Le tuyau d'arrivée d'eau a éclaté dans la cour, tout est inondé, j'ai fermé la vanne.",
            budget: 15_000...30_000, labour: 10_000...18_000,
            materials: [
                DemoMaterial("Tube PVC 32 mm (4 m)", 3_000...4_500, max: 2), DemoMaterial("Colle PVC", 1_500...2_500),
                DemoMaterial("Manchon PVC 32 mm", 500...1_000, max: 3),
            ], repairMinutes: 60...150, weight: 3),
        DemoJob(
            service: .plomberie, kind: .panne, title: "Pression d'eau très faible",
            description: "Très peu d'eau aux robinets du haut depuis une semaine, en bas ça va.",
            budget: 8_000...15_000, labour: 6_000...12_000, materials: [DemoMaterial("Vanne d'arrêt 20 mm", 3_500...5_500)],
            repairMinutes: 40...100, weight: 2),
        DemoJob(
            service: .plomberie, kind: .installation, title: "Installation d'un chauffe-eau",
            description: "J'ai acheté un chauffe-eau électrique de 50 litres, il faut l'installer dans la salle de bain.",
            budget: 25_000...45_000, labour: 20_000...35_000,
            materials: [DemoMaterial("Groupe de sécurité", 7_000...10_000), DemoMaterial("Flexible inox", 2_500...3_500, max: 2)],
            repairMinutes: 120...240, weight: 2),
        DemoJob(
            service: .plomberie, kind: .installation, title: "Remplacement du lavabo",
            description: "Le lavabo est fendu, j'en ai acheté un neuf, il faut enlever l'ancien et poser le nouveau.",
            budget: 15_000...25_000, labour: 12_000...20_000,
            materials: [DemoMaterial("Silicone sanitaire", 2_000...3_000), DemoMaterial("Chevilles et vis", 500...1_000)],
            repairMinutes: 90...180, weight: 2),
    ]

    static let electricite: [DemoJob] = [
        DemoJob(
            service: .electricite, kind: .panne, title: "Disjoncteur qui saute",
            description: "Le disjoncteur saute dès qu'on branche le fer à repasser ou la pompe.",
            budget: 10_000...20_000, labour: 8_000...15_000, materials: [DemoMaterial("Disjoncteur 20 A", 4_500...7_000)],
            repairMinutes: 40...120, weight: 5),
        DemoJob(
            service: .electricite, kind: .panne, title: "Prises sans courant dans le salon",
            description: "Plus de courant dans les prises du salon depuis hier, les lampes marchent.",
            budget: 8_000...15_000, labour: 6_000...12_000,
            materials: [DemoMaterial("Prise murale double", 1_500...2_500, max: 3), DemoMaterial("Domino de connexion", 300...600, max: 4)],
            repairMinutes: 30...90, weight: 4),
        DemoJob(
            service: .electricite, kind: .panne, title: "Court-circuit après la pluie",
            description: "Après la grosse pluie, ça a fait des étincelles et tout a sauté dans la maison.",
            budget: 15_000...30_000, labour: 10_000...20_000,
            materials: [DemoMaterial("Câble 2,5 mm² (10 m)", 4_000...6_000, max: 2), DemoMaterial("Boîte de dérivation étanche", 1_500...2_500)],
            repairMinutes: 60...180, weight: 3),
        DemoJob(
            service: .electricite, kind: .panne, title: "Lampes qui clignotent",
            description: "Les ampoules clignotent le soir et la télé s'éteint toute seule.",
            budget: 5_000...12_000, labour: 5_000...10_000, materials: [DemoMaterial("Ampoule LED 12 W", 1_000...1_500, max: 4)],
            repairMinutes: 30...70, weight: 3),
        DemoJob(
            service: .electricite, kind: .panne, title: "Tableau électrique qui chauffe",
            description: "Le tableau électrique sent le brûlé et il est chaud au toucher.",
            budget: 20_000...40_000, labour: 15_000...25_000,
            materials: [DemoMaterial("Disjoncteur différentiel 30 mA", 12_000...18_000), DemoMaterial("Bornier de répartition", 2_500...4_000)],
            repairMinutes: 90...180, weight: 2),
        DemoJob(
            service: .electricite, kind: .installation, title: "Installation d'un ventilateur de plafond",
            description: "Je veux installer un ventilateur de plafond dans la chambre, le ventilateur est déjà acheté.",
            budget: 10_000...20_000, labour: 10_000...15_000, materials: [DemoMaterial("Crochet de fixation", 1_000...2_000)],
            repairMinutes: 60...120, weight: 3),
        DemoJob(
            service: .electricite, kind: .installation, title: "Ajout de prises dans la chambre",
            description: "Il n'y a qu'une seule prise dans la chambre des enfants, je veux en ajouter deux.",
            budget: 15_000...25_000, labour: 10_000...18_000,
            materials: [
                DemoMaterial("Prise murale double", 1_500...2_500, max: 2), DemoMaterial("Goulotte (2 m)", 1_500...2_500, max: 3),
                DemoMaterial("Câble 2,5 mm² (10 m)", 4_000...6_000),
            ], repairMinutes: 90...180, weight: 2),
        DemoJob(
            service: .electricite, kind: .installation, title: "Éclairage extérieur à installer",
            description: "Il faut un projecteur devant le portail, le coin est trop sombre la nuit.",
            budget: 20_000...35_000, labour: 10_000...18_000,
            materials: [DemoMaterial("Projecteur LED 50 W", 8_000...12_000), DemoMaterial("Interrupteur étanche", 2_000...3_000)],
            repairMinutes: 60...150, weight: 2),
    ]

    static let electromenager: [DemoJob] = [
        DemoJob(
            service: .electromenager, kind: .panne, title: "Réfrigérateur qui ne refroidit plus",
            description: "Le frigo tourne mais ne refroidit plus depuis deux jours, la nourriture se gâte.",
            budget: 15_000...35_000, labour: 10_000...20_000,
            materials: [DemoMaterial("Recharge de gaz R600a", 8_000...12_000), DemoMaterial("Relais de démarrage", 2_500...4_000)],
            repairMinutes: 60...150, weight: 5),
        DemoJob(
            service: .electromenager, kind: .panne, title: "Machine à laver qui ne vide pas l'eau",
            description: "La machine s'arrête pleine d'eau à la fin du programme.",
            budget: 15_000...30_000, labour: 10_000...15_000, materials: [DemoMaterial("Pompe de vidange", 8_000...15_000)],
            repairMinutes: 45...120, weight: 3),
        DemoJob(
            service: .electromenager, kind: .panne, title: "Climatiseur qui ne souffle plus froid",
            description: "Le split de la chambre souffle de l'air chaud, impossible de dormir avec cette chaleur.",
            budget: 20_000...45_000, labour: 12_000...20_000,
            materials: [DemoMaterial("Recharge de gaz R410A", 15_000...25_000), DemoMaterial("Condensateur de démarrage", 3_000...5_000)],
            repairMinutes: 60...150, weight: 4),
        DemoJob(
            service: .electromenager, kind: .panne, title: "Congélateur qui fait beaucoup de bruit",
            description: "Le congélateur coffre fait un bruit de moteur très fort la nuit.",
            budget: 10_000...25_000, labour: 8_000...15_000, materials: [DemoMaterial("Ventilateur de condenseur", 6_000...9_000)],
            repairMinutes: 45...100, weight: 2),
        DemoJob(
            service: .electromenager, kind: .panne, title: "Brûleur de cuisinière qui ne s'allume pas",
            description: "Deux brûleurs de la cuisinière à gaz ne s'allument plus, ça sent un peu le gaz.",
            budget: 8_000...15_000, labour: 6_000...10_000,
            materials: [DemoMaterial("Bougie d'allumage", 2_000...4_000, max: 2), DemoMaterial("Thermocouple", 3_000...5_000)],
            repairMinutes: 30...80, weight: 3),
        DemoJob(
            service: .electromenager, kind: .panne, title: "Micro-ondes qui ne chauffe plus",
            description: "Le micro-ondes tourne et fait de la lumière mais ne chauffe plus rien.",
            budget: 10_000...20_000, labour: 6_000...10_000, materials: [DemoMaterial("Fusible haute tension", 2_000...3_500)],
            repairMinutes: 30...60, weight: 2),
        DemoJob(
            service: .electromenager, kind: .panne, title: "Chauffe-eau électrique qui ne chauffe plus",
            description: "Plus d'eau chaude depuis trois jours, le voyant du chauffe-eau reste éteint.",
            budget: 10_000...20_000, labour: 8_000...12_000, materials: [DemoMaterial("Résistance 1500 W", 7_000...10_000)],
            repairMinutes: 45...100, weight: 2),
        DemoJob(
            service: .electromenager, kind: .installation, title: "Installation d'un climatiseur split",
            description: "J'ai acheté un split 1,5 CV, il faut le poser dans le salon avec les tuyaux.",
            budget: 35_000...60_000, labour: 25_000...40_000,
            materials: [DemoMaterial("Kit de liaison cuivre (3 m)", 15_000...22_000), DemoMaterial("Support mural", 5_000...8_000)],
            repairMinutes: 150...270, weight: 2),
    ]

    // MARK: - Quote templates

    /// Pre-filled quote lines per service, as the JSON the `quote_templates.lines` column holds.
    static let quoteTemplates:
        [(service: ServiceCode, title: String, lines: [(kind: BillingLineKind, label: String, quantity: Int, unitPrice: Int)])] = [
            (
                .plomberie, "Réparation de fuite",
                [
                    (.mainOeuvre, "Main d'œuvre réparation de fuite", 1, 10_000),
                    (.materiel, "Joints et raccords", 1, 3_000), (.deplacement, "Déplacement", 1, 1_500),
                ]
            ),
            (
                .plomberie, "Débouchage de canalisation",
                [
                    (.mainOeuvre, "Débouchage au furet", 1, 12_000),
                    (.materiel, "Produit déboucheur", 1, 2_500), (.deplacement, "Déplacement", 1, 1_500),
                ]
            ),
            (
                .electricite, "Dépannage électrique",
                [
                    (.mainOeuvre, "Recherche de panne et réparation", 1, 10_000),
                    (.materiel, "Disjoncteur 20 A", 1, 5_500), (.deplacement, "Déplacement", 1, 1_500),
                ]
            ),
            (
                .electricite, "Installation de prises",
                [
                    (.mainOeuvre, "Pose de prise encastrée", 2, 5_000),
                    (.materiel, "Prise murale double", 2, 2_000), (.deplacement, "Déplacement", 1, 1_500),
                ]
            ),
            (
                .electromenager, "Recharge de gaz frigo / clim",
                [
                    (.mainOeuvre, "Recherche de fuite et recharge", 1, 12_000),
                    (.materiel, "Gaz réfrigérant", 1, 12_000), (.deplacement, "Déplacement", 1, 2_000),
                ]
            ),
            (
                .electromenager, "Remplacement de pièce",
                [
                    (.mainOeuvre, "Démontage et remplacement", 1, 8_000),
                    (.materiel, "Pièce détachée", 1, 8_000), (.deplacement, "Déplacement", 1, 2_000),
                ]
            ),
        ]

    static func quoteTemplateJSON(_ lines: [(kind: BillingLineKind, label: String, quantity: Int, unitPrice: Int)]) -> String {
        let items = lines.map { line in
            "{\"kind\":\"\(line.kind.rawValue)\",\"label\":\"\(line.label)\",\"quantity\":\(line.quantity),\"unit_price\":\(line.unitPrice)}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}
