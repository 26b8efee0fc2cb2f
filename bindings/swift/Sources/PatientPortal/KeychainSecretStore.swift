// The core's `SecretStore` over the iOS / macOS Keychain: session tokens and the key of
// the encrypted offline copy live here, never on disk in clear.
#if canImport(Security)
import Foundation
import PortalFFI
import Security

/// Keeps the core's secrets as generic passwords in the Keychain, one item per key,
/// readable after the device's first unlock and never leaving it (no iCloud Keychain,
/// no backups restored elsewhere).
///
/// ```swift
/// let portal = try PortalClient(
///     options: ClientOptions(serverUrl: "https://portal.example-practice.org", dataDir: dataDir.path),
///     secretStore: KeychainSecretStore(service: "org.example.portal")
/// )
/// ```
///
/// A locked or missing keychain throws `SecretStoreError.Unavailable` (the core then
/// fails with `PortalError.Keychain` before it spends an invite); any other Keychain
/// error throws `SecretStoreError.Failed`.
public final class KeychainSecretStore: SecretStore {
    /// The items' service (`kSecAttrService`): one per app, or per portal in an app
    /// that has several.
    public let service: String
    /// A keychain access group shared with the app's extensions, or `nil` for the
    /// app's own.
    public let accessGroup: String?
    /// On macOS, whether to use the data protection keychain (as on iOS). It needs a
    /// signed app with a keychain access group; turn it off for an unsigned tool.
    public let usesDataProtectionKeychain: Bool

    public init(
        service: String = "org.patientportal.sdk",
        accessGroup: String? = nil,
        usesDataProtectionKeychain: Bool = true
    ) {
        self.service = service
        self.accessGroup = accessGroup
        self.usesDataProtectionKeychain = usesDataProtectionKeychain
    }

    public func get(key: String) throws -> String? {
        var query = itemQuery(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data, let value = String(data: data, encoding: .utf8) else {
                throw SecretStoreError.Failed(detail: "the keychain item for \(key) is not text")
            }
            return value
        case errSecItemNotFound:
            return nil
        default:
            throw Self.failure(status, "reading \(key)")
        }
    }

    public func set(key: String, value: String) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: Data(value.utf8),
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let updated = SecItemUpdate(itemQuery(key) as CFDictionary, attributes as CFDictionary)
        switch updated {
        case errSecSuccess:
            return
        case errSecItemNotFound:
            var item = itemQuery(key)
            item.merge(attributes) { _, new in new }
            let added = SecItemAdd(item as CFDictionary, nil)
            guard added == errSecSuccess else {
                throw Self.failure(added, "storing \(key)")
            }
        default:
            throw Self.failure(updated, "storing \(key)")
        }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(itemQuery(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.failure(status, "deleting \(key)")
        }
    }

    /// The query naming the one item of `key`.
    private func itemQuery(_ key: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
        if let group = accessGroup {
            query[kSecAttrAccessGroup as String] = group
        }
        #if os(macOS)
        if usesDataProtectionKeychain {
            query[kSecUseDataProtectionKeychain as String] = true
        }
        #endif
        return query
    }

    /// The error the core hears for a Keychain `status` while `doing` something.
    private static func failure(_ status: OSStatus, _ doing: String) -> SecretStoreError {
        let words = (SecCopyErrorMessageString(status, nil) as String?) ?? "OSStatus \(status)"
        let detail = "keychain error while \(doing): \(words) (\(status))"
        switch status {
        case errSecInteractionNotAllowed, errSecNotAvailable:
            // Locked (before the first unlock after a restart), or no keychain at all.
            return .Unavailable(detail: detail)
        default:
            return .Failed(detail: detail)
        }
    }
}
#endif
