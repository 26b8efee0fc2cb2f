// What the Kotlin tests share: the real server binary on loopback (stoppable and
// restartable on its port, to take the network away), its admin API as a practice
// uses it, a host secret store, and a small test runner. Run by scripts/test-bindings.sh.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.UUID
import java.util.concurrent.TimeUnit
import uniffi.portal_ffi.SecretStore

const val ADMIN_TOKEN = "kotlin-binding-admin-Hx4Rq9Lm2Vt7Kc0Zp5Nw8Bj3Fs6Dg1"
const val PASSWORD = "river otter paints blue"

/** A host-side secret store, as an Android app would implement over its Keystore. */
class MapStore : SecretStore {
    val items = java.util.concurrent.ConcurrentHashMap<String, String>()
    override fun get(key: String): String? = items[key]
    override fun set(key: String, value: String) { items[key] = value }
    override fun delete(key: String) { items.remove(key) }
}

/** The real server binary and its admin API. [stop] and [start] take it off and back on its port. */
class Practice : AutoCloseable {
    private val dir: Path = Files.createTempDirectory("portal-kotlin")
    private var process: Process? = null
    private var listen = "127.0.0.1:0"
    lateinit var base: String
        private set
    private val http = HttpClient.newHttpClient()

    init { start() }

    /** Starts the server (again, on the same port and database after [stop]). */
    fun start() {
        val binary = System.getenv("PORTAL_SERVER_BIN") ?: error("PORTAL_SERVER_BIN is not set: run scripts/test-bindings.sh")
        val builder = ProcessBuilder(binary, "serve", "--listen", listen, "--database", "sqlite://$dir/portal.db")
        builder.environment()["PORTAL_ADMIN_TOKEN"] = ADMIN_TOKEN
        // The tests read invite links from the built-in outbox.
        builder.environment()["PORTAL_OUTBOX_API"] = "true"
        builder.redirectError(ProcessBuilder.Redirect.DISCARD)
        val started = builder.start()
        process = started
        val line = started.inputStream.bufferedReader().readLine() ?: error("the server printed nothing")
        base = line.removePrefix("portal-server listening on ").trim()
        listen = base.removePrefix("http://")
    }

    /** Stops the server: the client is offline until [start]. */
    fun stop() {
        process?.let { it.destroy(); it.waitFor(30, TimeUnit.SECONDS) }
        process = null
    }

    private fun send(request: HttpRequest.Builder, what: String): String {
        val response = http.send(request.header("Authorization", "Bearer $ADMIN_TOKEN").build(),
            HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "$what: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    fun call(method: String, path: String, body: String?): String =
        send(HttpRequest.newBuilder(URI.create("$base/v1/admin/$path"))
            .header("Content-Type", "application/json")
            .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body)),
            "$method $path")

    fun field(json: String, name: String): String =
        Regex("\"$name\":\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: error("no $name in $json")

    /** Adds a patient (with a provider of their own) and returns (patient id, invite link). */
    fun invite(firstName: String, email: String): Pair<String, String> {
        val provider = field(call("POST", "providers", """{"name":"Dr. Maya Okafor","email":"dr+$email"}"""), "provider_id")
        val patient = field(call("POST", "patients",
            """{"first_name":"$firstName","last_name":"Rivera","email":"$email","primary_provider_id":"$provider"}"""), "patient_id")
        return patient to lastLink()
    }

    /** Adds a child whose guardian has [guardianEmail]; returns (child id, invite link). */
    fun child(firstName: String, guardianEmail: String, providerId: String): Pair<String, String> {
        val patient = field(call("POST", "patients",
            """{"first_name":"$firstName","last_name":"Rivera","primary_provider_id":"$providerId","guardian":{"name":"Alex Rivera","email":"$guardianEmail"}}"""),
            "patient_id")
        return patient to lastLink()
    }

    fun providerOf(patientId: String): String = field(call("GET", "patients/$patientId", null), "primary_provider_id")

    /** Books a telehealth visit with the patient's primary provider; its id. */
    fun appointment(patientId: String, startsAt: Instant): String =
        field(call("POST", "appointments",
            """{"patient_id":"$patientId","provider_id":"${providerOf(patientId)}","starts_at":"$startsAt","duration_minutes":30,"kind":"telehealth","telehealth_url":"https://video.example.org/room/4"}"""),
            "appointment_id")

    /** A message from the patient's provider, in a new thread; (thread id, message id). */
    fun message(patientId: String, subject: String, body: String): Pair<String, String> {
        val answer = call("POST", "messages",
            """{"patient_id":"$patientId","provider_id":"${providerOf(patientId)}","subject":"$subject","body":"$body"}""")
        return field(answer, "thread_id") to field(answer, "message_id")
    }

    /** Shares a document (multipart upload, as the practice's staff do); its id. */
    fun document(patientId: String, title: String, bytes: ByteArray, contentType: String = "application/pdf"): String {
        val boundary = "portal-" + UUID.randomUUID()
        val body = java.io.ByteArrayOutputStream()
        fun part(headers: String, content: ByteArray) {
            body.write("--$boundary\r\n$headers\r\n\r\n".toByteArray())
            body.write(content)
            body.write("\r\n".toByteArray())
        }
        part("Content-Disposition: form-data; name=\"patient_id\"", patientId.toByteArray())
        part("Content-Disposition: form-data; name=\"title\"", title.toByteArray())
        part("Content-Disposition: form-data; name=\"file\"; filename=\"$title.pdf\"\r\nContent-Type: $contentType", bytes)
        body.write("--$boundary--\r\n".toByteArray())
        return field(send(HttpRequest.newBuilder(URI.create("$base/v1/admin/documents"))
            .header("Content-Type", "multipart/form-data; boundary=$boundary")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), "POST documents"), "document_id")
    }

    fun resend(patientId: String): String {
        call("POST", "patients/$patientId/invite", "{}")
        return lastLink()
    }

    fun lastLink(): String =
        Regex("\"links\":\\[\"([^\"]+)\"").findAll(call("GET", "outbox", null)).last().groupValues[1]

    override fun close() {
        stop()
        dir.toFile().deleteRecursively()
    }
}

/** A fresh data directory for one client, removed by [use]. */
class DataDir : AutoCloseable {
    val path: Path = Files.createTempDirectory("portal-kotlin-data")
    override fun toString(): String = path.toString()
    override fun close() { path.toFile().deleteRecursively() }
}

fun inDays(days: Long): Instant = Instant.now().plus(Duration.ofDays(days)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)

val tests = linkedMapOf<String, () -> Unit>()
fun test(name: String, body: () -> Unit) { tests[name] = body }
