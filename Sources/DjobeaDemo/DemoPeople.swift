import DjobeaDomain
import DjobeaStore
import Foundation

/// The demo providers whose phones are printed for a newcomer to log in with, one per service.
let demoProviderNames: [(first: String, last: String, service: ServiceCode, level: ProviderLevel)] = [
    ("Emmanuel", "Tchinda", .plomberie, .or), ("Serge", "Ekwalla", .electricite, .platine),
    ("Brigitte", "Ngo Mbock", .electromenager, .argent),
]

extension DemoWorld {
    // MARK: - Providers

    mutating func planProviders() {
        let count = 24 * scale
        let pattern: [ServiceCode] = [.plomberie, .electricite, .electromenager, .plomberie, .electricite, .plomberie, .electromenager, .electricite]
        var usedNames: Set<String> = Set(demoProviderNames.map { "\($0.first) \($0.last)" })
        var usedEmails: Set<String> = []
        for index in 0..<count {
            let isDemo = index < demoProviderNames.count
            let primary = isDemo ? demoProviderNames[index].service : pattern[index % pattern.count]
            var first: String
            var last: String
            if isDemo {
                (first, last) = (demoProviderNames[index].first, demoProviderNames[index].last)
            } else {
                let female = rng.chance(primary == .electromenager ? 0.3 : 0.08)
                repeat {
                    first = rng.pick(female ? DemoCatalogue.femaleFirstNames : DemoCatalogue.maleFirstNames)
                    last = rng.pick(DemoCatalogue.lastNames)
                } while !usedNames.insert("\(first) \(last)").inserted
            }
            var services = [primary]
            if !isDemo, rng.chance(0.25) {
                services.append(primary == .plomberie ? .electricite : primary == .electricite ? .electromenager : .electricite)
            }
            let home = rng.below(quarters.count)
            var zones = [home]
            let zoneCount = isDemo ? rng.int(3...4) : rng.int(2...4)
            while zones.count < zoneCount {
                let zone = rng.below(quarters.count)
                if !zones.contains(zone) { zones.append(zone) }
            }
            let level =
                isDemo ? demoProviderNames[index].level : rng.weighted([(ProviderLevel.bronze, 40), (.argent, 30), (.or, 20), (.platine, 10)])
            var email: String?
            if isDemo || rng.chance(0.4) {
                let domain = rng.pick(["gmail.com", "gmail.com", "yahoo.fr", "outlook.fr"])
                var candidate = "\(DemoCatalogue.asciiSlug(first)).\(DemoCatalogue.asciiSlug(last))@\(domain)"
                if !usedEmails.insert(candidate).inserted {
                    candidate = "\(DemoCatalogue.asciiSlug(first))\(DemoCatalogue.asciiSlug(last))\(index)@\(domain)"
                    usedEmails.insert(candidate)
                }
                email = candidate
            }
            let levelWeight: Double =
                switch level {
                case .bronze: 0.85
                case .argent: 1.0
                case .or: 1.15
                case .platine: 1.3
                }
            let pastMissions =
                switch level {
                case .bronze: rng.int(5...40)
                case .argent: rng.int(30...90)
                case .or: rng.int(80...160)
                case .platine: rng.int(150...300)
                }
            // The demo providers are the hub's first members, so that a listing by seniority shows them first.
            let joinedAt =
                setupTime.addingTimeInterval(isDemo ? rng.minutes(3 * 1_440, 15 * 1_440) : rng.minutes(20 * 1_440, 370 * 1_440))
            providers.append(
                DemoProvider(
                    name: "\(first) \(last)", firstName: first, phone: uniquePhone(), email: email, services: services, zones: zones,
                    level: level, isDemo: isDemo, joinedAt: daytime(joinedAt), weight: levelWeight * (isDemo ? 2.5 : 1),
                    speed: isDemo ? 0.6 : rng.double(0.5, 1.8), acceptShare: isDemo ? 0.85 : rng.double(0.6, 0.85),
                    quality: isDemo ? rng.double(4.75, 4.9) : rng.double(4.3, 4.95), pastMissions: pastMissions))
        }
        for index in providers.indices { planProviderProfile(index) }
    }

    private mutating func planProviderProfile(_ index: Int) {
        let provider = providers[index]
        let reference = reference
        let years = rng.int(3...18)
        let bio = DemoCatalogue.bio(service: provider.services[0], years: years, zone: quarters[provider.zones[0]].nameFR)
        let opening = rng.pick(DemoCatalogue.bioOpenings)
        let rates = provider.services.map { service -> (String, Int, Int) in
            let low =
                switch service {
                case .plomberie: rng.francs(4_000, 7_000)
                case .electricite: rng.francs(5_000, 8_000)
                default: rng.francs(6_000, 10_000)
                }
            let factor = 1 + Double(provider.level.rank) * 0.15
            return (reference.serviceIds[service] ?? "", Int(Double(low) * factor) / 500 * 500, rng.francs(25_000, 60_000))
        }
        var certifications: [(String, String, String)] = []
        if provider.isDemo || rng.chance(0.4) {
            if let options = DemoCatalogue.certifications[provider.services[0]] {
                let cert = rng.pick(options)
                let joinYear = Int(calendar.dayKey(provider.joinedAt).prefix(4)) ?? 2025
                certifications.append((cert.title, cert.issuer, "\(joinYear - rng.int(1...max(1, years - 1)))-0\(rng.int(6...9))-30"))
            }
        }
        if provider.level >= .or {
            certifications.append(
                (
                    DemoCatalogue.djobeaCertification.title, DemoCatalogue.djobeaCertification.issuer,
                    calendar.dayKey(provider.joinedAt.addingTimeInterval(90 * 86_400))
                ))
        }
        let start = rng.pick(["07:00", "07:30", "08:00", "08:00", "08:30"])
        let end = rng.pick(["17:00", "18:00", "18:00", "18:30", "19:00"])
        let workDays = rng.chance(0.25) ? "[1,2,3,4,5,6,7]" : rng.chance(0.8) ? "[1,2,3,4,5,6]" : "[1,2,3,4,5]"
        let hours = "{\"start\":\"\(start)\",\"end\":\"\(end)\",\"days\":\(workDays)}"
        let autoAccept = rng.chance(0.2)
        let sound = rng.chance(0.85)
        let frequency = rng.weighted([(SummaryFrequency.weekly, 50.0), (.daily, 30), (.monthly, 15), (.never, 5)])
        let requestTypes = rng.chance(0.2) ? "[" + provider.services.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]" : "[]"
        let zoneIds = provider.zones.map { reference.zoneIds[$0] }
        timeline.at(provider.joinedAt, rows: 8 + zoneIds.count) { writer in
            let now = writer.stamp
            try writer.insert(
                ProviderRecord(
                    id: writer.newId(), phone: provider.phone, name: provider.name, email: provider.email, bio: "\(opening). \(bio)",
                    level: provider.level, accountStatus: .active, awayMode: false, homeZoneId: zoneIds[0], hubId: reference.hubId,
                    joinedAt: now, updatedAt: now),
                as: provider.ref)
            let providerId = try provider.ref.id()
            for zoneId in zoneIds {
                try writer.insert(ProviderZoneRecord(id: writer.newId(), providerId: providerId, zoneId: zoneId))
            }
            for (serviceId, low, high) in rates {
                try writer.insert(
                    ProviderServiceRecord(
                        id: writer.newId(), providerId: providerId, serviceId: serviceId, rateMin: Int64(low), rateMax: Int64(high)))
            }
            for (title, issuer, obtained) in certifications {
                try writer.insert(
                    ProviderCertificationRecord(id: writer.newId(), providerId: providerId, title: title, issuer: issuer, obtainedOn: obtained))
            }
            try writer.insert(
                ProviderSettingsRecord(
                    id: writer.newId(), providerId: providerId, notificationsEnabled: true, autoAcceptFamiliarClients: autoAccept,
                    workingHours: hours, notificationSound: sound, summaryFrequency: frequency, requestTypes: requestTypes, createdAt: now,
                    updatedAt: now))
            try writer.notify(
                provider.ref, .system, request: nil, title: "Bienvenue sur Djobea",
                body: "Votre espace prestataire est prêt. Complétez votre profil.",
                seenAt: writer.now.addingTimeInterval(600))
        }
    }

    // MARK: - Absences

    /// Past absences, one or two upcoming ones, and one provider away right now.
    mutating func planAbsences() {
        let today = calendar.startOfDay(now)
        let others = providers.indices.filter { !providers[$0].isDemo }
        guard others.count >= 4 else { return }
        for index in providers.indices where providers[index].isDemo ? index == 0 : rng.chance(0.4) {
            // The demo provider's past absence stays clear of the scripted scenes of the last two weeks.
            let startDay = rng.int(0...max(0, days - (providers[index].isDemo ? 20 : 8)))
            let start = windowStart.addingTimeInterval(Double(startDay) * 86_400)
            planAbsence(index, start: start, days: rng.int(1...4), createdBefore: rng.minutes(2 * 1_440, 8 * 1_440))
        }
        for index in [0, others[0]] {
            let start = today.addingTimeInterval(Double(rng.int(3...12)) * 86_400)
            planAbsence(index, start: start, days: rng.int(1...4), createdBefore: rng.minutes(6 * 60, 4 * 1_440))
        }
        // Away now: started two days ago, back in three days.
        let awayIndex = others[1]
        let awayStart = today.addingTimeInterval(-2 * 86_400)
        let awayEnd = today.addingTimeInterval(3 * 86_400)
        planAbsence(awayIndex, start: awayStart, days: 5, createdBefore: rng.minutes(1 * 1_440, 3 * 1_440), reason: "Funérailles au village")
        providers[awayIndex].awaySince = awayStart
        let away = providers[awayIndex]
        let message = "Je suis au village pour des funérailles, de retour le \(DemoCatalogue.dayLabel(awayEnd)). Merci de votre compréhension."
        timeline.at(max(awayStart, away.joinedAt)) { writer in
            let now = writer.stamp
            try writer.update(away.ref, columns: [.awayMode, .awayUntil, .awayMessage, .updatedAt]) { (row: inout ProviderRecord) in
                row.awayMode = true
                row.awayUntil = UTCTimestamp.format(awayEnd)
                row.awayMessage = message
                row.updatedAt = now
            }
        }
        // One account suspended by ops in the second half of the period (repeated complaints).
        let suspended = others[others.count - 1]
        let suspendedAt = daytime(windowStart.addingTimeInterval(now.timeIntervalSince(windowStart) * 0.7))
        providers[suspended].awaySince = min(providers[suspended].awaySince ?? suspendedAt, suspendedAt)
        providers[suspended].quality = 3.3
        let ref = providers[suspended].ref
        timeline.at(max(suspendedAt, providers[suspended].joinedAt)) { writer in
            let now = writer.stamp
            try writer.update(ref, columns: [.accountStatus, .updatedAt]) { (row: inout ProviderRecord) in
                row.accountStatus = .suspended
                row.updatedAt = now
            }
        }
    }

    private mutating func planAbsence(_ index: Int, start: Date, days count: Int, createdBefore: TimeInterval, reason: String? = nil) {
        let end = start.addingTimeInterval(Double(count) * 86_400)
        providers[index].absences.append(DateInterval(start: start, end: end))
        let provider = providers[index]
        let created = max(provider.joinedAt, daytime(start.addingTimeInterval(-createdBefore)))
        let reason = reason ?? rng.pick(DemoCatalogue.absenceReasons)
        let notifyClients = rng.chance(0.7)
        let period = "du \(DemoCatalogue.dayLabel(start)) au \(DemoCatalogue.dayLabel(end.addingTimeInterval(-1)))"
        let body = "Absence \(period) : les demandes iront à vos collègues."
        let createdAt = min(created, now)
        let seen = seen(after: createdAt)
        timeline.at(createdAt, rows: 2) { writer in
            try writer.insert(
                AbsenceRecord(
                    id: writer.newId(), providerId: try provider.ref.id(), startsAt: UTCTimestamp.format(start), endsAt: UTCTimestamp.format(end),
                    reason: reason, notifyClients: notifyClients, createdAt: writer.stamp))
            try writer.notify(
                provider.ref, .absence, request: nil, title: "Absence enregistrée", body: body, seenAt: seen)
        }
    }

    // MARK: - Clients

    mutating func planClients() {
        let count = 320 * scale
        var planned: [DemoClient] = []
        for _ in 0..<count {
            let female = rng.chance(0.5)
            let first = rng.pick(female ? DemoCatalogue.femaleFirstNames : DemoCatalogue.maleFirstNames)
            let name = "\(first) \(rng.pick(DemoCatalogue.lastNames))"
            let zone = rng.below(quarters.count)
            let created =
                rng.chance(0.72)
                ? windowStart.addingTimeInterval(-rng.minutes(1_440, 365 * 1_440))
                : windowStart.addingTimeInterval(rng.double(0, max(0, now.timeIntervalSince(windowStart) - 3_600)))
            planned.append(
                DemoClient(name: name, firstName: first, phone: uniquePhone(), zone: zone, address: address(in: zone), createdAt: created))
        }
        clients = planned.sorted { $0.createdAt < $1.createdAt }
        let zoneIds = reference.zoneIds
        for client in clients {
            timeline.at(client.createdAt) { writer in
                try writer.insert(
                    ClientRecord(
                        id: writer.newId(), phone: client.phone, name: client.name, zoneId: zoneIds[client.zone], address: client.address,
                        createdAt: writer.stamp),
                    as: client.ref)
            }
        }
    }

    /// A client who existed before `time`: older clients come back more often.
    mutating func pickClient(before time: Date) -> DemoClient? {
        var low = 0
        var high = clients.count
        while low < high {
            let mid = (low + high) / 2
            if clients[mid].createdAt < time { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        return clients[min(low - 1, Int(Double(low) * pow(rng.unit(), 1.3)))]
    }
}
