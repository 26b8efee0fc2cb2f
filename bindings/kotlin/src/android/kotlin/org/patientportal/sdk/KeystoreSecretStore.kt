// The SDK's SecretStore over the Android Keystore: each secret (a session's tokens, the
// offline copy's database key) is sealed with AES-256-GCM under a key that never leaves
// the Keystore (hardware-backed where the device has it), and the sealed text is kept
// in the app's private SharedPreferences. Part of the Android library only: it needs
// the Android SDK, so the JVM tests on the build machine use an in-memory store.
package org.patientportal.sdk

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.portal_ffi.SecretStore
import uniffi.portal_ffi.SecretStoreException

class KeystoreSecretStore(
    context: Context,
    /** The Keystore alias of the wrapping key, and the name of the preferences file. */
    private val name: String = "org.patientportal.sdk.secrets",
) : SecretStore {
    private val prefs = context.applicationContext.getSharedPreferences(name, Context.MODE_PRIVATE)

    private fun wrappingKey(): SecretKey {
        val keystore = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (keystore.getEntry(name, null) as? KeyStore.SecretKeyEntry)?.let { return it.secretKey }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(name, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // The session must refresh in the background (sync), so no user
                // authentication per use; the app's own lock screen guards the UI.
                .setUserAuthenticationRequired(false)
                .build(),
        )
        return generator.generateKey()
    }

    /** Runs Keystore work, turning its failures into the SDK's errors. */
    private inline fun <T> keystore(what: String, work: () -> T): T =
        try {
            work()
        } catch (e: android.security.keystore.UserNotAuthenticatedException) {
            throw SecretStoreException.Unavailable("the keystore is locked ($what)")
        } catch (e: GeneralSecurityException) {
            throw SecretStoreException.Failed("$what: ${e.javaClass.simpleName}")
        } catch (e: java.io.IOException) {
            throw SecretStoreException.Unavailable("the keystore cannot be read ($what)")
        }

    override fun get(key: String): String? {
        val sealed = prefs.getString(key, null) ?: return null
        return keystore("reading a secret") {
            val bytes = Base64.decode(sealed, Base64.NO_WRAP)
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES))
            String(cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES), Charsets.UTF_8)
        }
    }

    override fun set(key: String, value: String) {
        val sealed = keystore("storing a secret") {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
            val iv = cipher.iv
            check(iv.size == IV_BYTES) { "unexpected GCM nonce length ${iv.size}" }
            Base64.encodeToString(iv + cipher.doFinal(value.toByteArray(Charsets.UTF_8)), Base64.NO_WRAP)
        }
        // commit, not apply: the core relies on the secret being stored when this returns
        // (a process killed right after must still find the session).
        if (!prefs.edit().putString(key, sealed).commit()) {
            throw SecretStoreException.Failed("the secret could not be written")
        }
    }

    override fun delete(key: String) {
        if (!prefs.edit().remove(key).commit()) {
            throw SecretStoreException.Failed("the secret could not be removed")
        }
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}
