// Runs every Kotlin binding test (InviteTest.kt, SdkTest.kt), or those whose names
// contain the first argument; exits non-zero if any fails.

import kotlin.system.exitProcess

fun main(args: Array<String>) {
    inviteTests()
    sdkTests()
    val only = args.firstOrNull()
    val chosen = tests.filterKeys { only == null || it.contains(only) }
    check(chosen.isNotEmpty()) { "no test matches '$only'" }
    var failed = 0
    for ((name, body) in chosen) {
        val started = System.nanoTime()
        try {
            body()
            println("ok: $name (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (t: Throwable) {
            failed++
            println("FAILED: $name: $t")
            t.printStackTrace()
        }
    }
    println("kotlin: ${chosen.size - failed} passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
