import DjobeaStore

extension AuthAccount {
    /// Why this account may not log in here, if it may not: moved to another hub, or suspended.
    var refusal: AuthError? {
        if let movedToHub { return .accountMoved(hubName: movedToHub) }
        return isActive ? nil : .accountSuspended
    }
}
