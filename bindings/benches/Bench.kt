// The Kotlin side of the binding benchmark (scripts/bench-bindings.sh), on the JVM with
// JNA, against the practice the script filled (PORTAL_BENCH_*):
//   page      one typed page of 50 appointments, the call the Rust and Python runs time;
//   local     a watch callback after one change made on the device: from `sendMessage`
//             (offline-first: stored, then the watch hears it) to the conversation's
//             watch delivering the page that holds it;
//   incoming  a watch callback after one change from the practice: from the admin API's
//             answer to a provider's message (the server has it) to the conversation's
//             watch delivering it (event stream, pull, store, watch).
// Prints `kotlin page50 median_us=…`, `kotlin watch-local p50_ms=… p90_ms=…` and
// `kotlin watch-incoming p50_ms=… p90_ms=…`.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import uniffi.portal_ffi.ClientOptions
import uniffi.portal_ffi.MessagePage
import uniffi.portal_ffi.MessagePageListener
import uniffi.portal_ffi.MessageTo
import uniffi.portal_ffi.PortalClient
import uniffi.portal_ffi.SecretStore
import uniffi.portal_ffi.SyncPhase

class Memory : SecretStore {
    private val items = java.util.concurrent.ConcurrentHashMap<String, String>()
    override fun get(key: String): String? = items[key]
    override fun set(key: String, value: String) { items[key] = value }
    override fun delete(key: String) { items.remove(key) }
}

fun setting(name: String): String = System.getenv(name) ?: error("$name is not set: run scripts/bench-bindings.sh")

fun percentile(sorted: List<Double>, p: Int): Double = sorted[sorted.size * p / 100]

/** Hears a conversation's pages; [waitFor] returns when one holds [body], with the time it arrived. */
class Arrivals : MessagePageListener {
    private val pages = LinkedBlockingQueue<Pair<Long, MessagePage>>()
    override fun onPage(page: MessagePage) { pages.put(System.nanoTime() to page) }

    fun waitFor(body: String): Long {
        while (true) {
            val (at, page) = pages.poll(20, TimeUnit.SECONDS) ?: error("no page with '$body' within 20 s")
            if (page.items.any { it.body == body }) return at
        }
    }
}

fun client(background: Boolean): Pair<PortalClient, java.nio.file.Path> {
    val data = Files.createTempDirectory("portal-kotlin-bench")
    val portal = PortalClient(ClientOptions(serverUrl = setting("PORTAL_BENCH_SERVER"), dataDir = data.toString(),
        backgroundSync = background), Memory())
    return portal to data
}

fun main(): Unit = runBlocking {
    val profile = setting("PORTAL_BENCH_PATIENT")
    val thread = setting("PORTAL_BENCH_THREAD")

    // The page, and the local change: no background sync, so nothing else moves.
    val (portal, data) = client(background = false)
    portal.login(setting("PORTAL_BENCH_EMAIL"), setting("PORTAL_BENCH_PASSWORD"), "kotlin bench")
    portal.syncNow(null)
    for (size in listOf(50, 1)) {
        val pageTimes = ArrayList<Double>()
        repeat(2000) { round ->
            val started = System.nanoTime()
            val page = portal.appointmentPage(profile, true, size.toUInt(), null)
            val took = (System.nanoTime() - started) / 1e3
            check(page.items.size == size) { "the page is not full" }
            // The first rounds warm the JIT up.
            if (round >= 1000) pageTimes.add(took)
        }
        pageTimes.sort()
        println("kotlin page$size median_us=%.1f p90_us=%.1f".format(percentile(pageTimes, 50), percentile(pageTimes, 90)))
    }
    // The blocking reads, from this (non-UI) thread: one JNA call, no future to poll.
    for (size in listOf(50, 1)) {
        val pageTimes = ArrayList<Double>()
        repeat(2000) { round ->
            val started = System.nanoTime()
            val page = portal.appointmentPageBlocking(profile, true, size.toUInt(), null)
            val took = (System.nanoTime() - started) / 1e3
            check(page.items.size == size) { "the page is not full" }
            if (round >= 1000) pageTimes.add(took)
        }
        pageTimes.sort()
        println("kotlin blocking page$size median_us=%.1f p90_us=%.1f".format(percentile(pageTimes, 50), percentile(pageTimes, 90)))
    }

    val local = Arrivals()
    val localWatch = portal.watchMessages(profile, thread, 500u, local)
    val localTimes = ArrayList<Double>()
    repeat(60) { n ->
        val body = "local change $n"
        val started = System.nanoTime()
        portal.sendMessage(profile, MessageTo.Thread(thread), body)
        val took = (local.waitFor(body) - started) / 1e6
        if (n >= 10) localTimes.add(took)
    }
    localWatch.close()
    localTimes.sort()
    println("kotlin watch-local p50_ms=%.2f p90_ms=%.2f".format(percentile(localTimes, 50), percentile(localTimes, 90)))
    // Its writes never leave: sign-out wipes them with the device's copy.
    portal.logout()
    data.toFile().deleteRecursively()

    // The incoming change: the core's own background sync, as in an app.
    val (live, liveData) = client(background = true)
    live.login(setting("PORTAL_BENCH_EMAIL"), setting("PORTAL_BENCH_PASSWORD"), "kotlin bench live")
    while (live.syncState().phase !is SyncPhase.UpToDate) Thread.sleep(20)
    val incoming = Arrivals()
    val incomingWatch = live.watchMessages(profile, thread, 500u, incoming)
    val http = HttpClient.newHttpClient()
    val incomingTimes = ArrayList<Double>()
    repeat(40) { n ->
        val body = "incoming change $n"
        val request = HttpRequest.newBuilder(URI.create("${setting("PORTAL_BENCH_SERVER")}/v1/admin/messages"))
            .header("Authorization", "Bearer ${setting("PORTAL_BENCH_ADMIN_TOKEN")}")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(
                """{"patient_id":"$profile","provider_id":"${setting("PORTAL_BENCH_PROVIDER")}","thread_id":"$thread","body":"$body"}"""))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        val answered = System.nanoTime()
        check(response.statusCode() == 201) { "admin message: ${response.statusCode()} ${response.body()}" }
        val took = (incoming.waitFor(body) - answered) / 1e6
        if (n >= 5) incomingTimes.add(took)
        Thread.sleep(50)
    }
    incomingWatch.close()
    incomingTimes.sort()
    println("kotlin watch-incoming p50_ms=%.2f p90_ms=%.2f".format(percentile(incomingTimes, 50), percentile(incomingTimes, 90)))
    live.logout()
    liveData.toFile().deleteRecursively()
}
