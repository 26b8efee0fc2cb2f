// A document download as a stream: its progress after each stored chunk, then where
// the document ends up on the device.
import Foundation
import PortalFFI

/// One step of a download (`PortalClientProtocol.download(documentId:)`).
public enum DownloadEvent: Equatable, Hashable {
    /// Bytes stored so far and in all (after each 256 KiB, and at the end).
    case progress(received: UInt64, total: UInt64)
    /// The download is over: where the document is now (`.available`, or `.pinned`).
    case done(DocumentState)

    /// How far along, from 0.0 to 1.0, for a progress bar (1.0 once done).
    public var fraction: Double {
        switch self {
        case let .progress(received, total):
            guard total > 0 else { return 1 }
            return min(1, Double(received) / Double(total))
        case .done:
            return 1
        }
    }
}

extension PortalClientProtocol {
    /// Downloads (or resumes) a document into the device's encrypted copy, as a stream:
    /// `.progress` after each stored chunk, then `.done`. The stream fails with
    /// `PortalError.Network` when the connection drops (what arrived is kept: download
    /// again to resume), `.DocumentCorrupt` when the bytes do not match the record
    /// (they are discarded), `.UnknownDocument` when the document is not in the
    /// offline copy yet (sync first).
    ///
    /// Cancelling the consuming task cancels the download task and ends the stream at
    /// once. The generated bindings cannot interrupt a call into the core, though: the
    /// core completes the download in the background and keeps its bytes.
    public func download(documentId: String) -> AsyncThrowingStream<DownloadEvent, Error> {
        downloadStream { listener in
            try await self.downloadDocument(documentId: documentId, listener: listener)
        }
    }

    /// As `download(documentId:)`, and keeps the document for offline use (`.pinned`)
    /// until `unpinDocument(documentId:)`.
    public func pin(documentId: String) -> AsyncThrowingStream<DownloadEvent, Error> {
        downloadStream { listener in
            try await self.pinDocument(documentId: documentId, listener: listener)
        }
    }
}

/// The stream of a download that `fetch` runs with a listener yielding its progress.
func downloadStream(
    _ fetch: @escaping @Sendable (DownloadListener) async throws -> DocumentState
) -> AsyncThrowingStream<DownloadEvent, Error> {
    AsyncThrowingStream(bufferingPolicy: .unbounded) { continuation in
        let listener = DownloadFeed(continuation)
        let task = Task {
            do {
                let state = try await fetch(listener)
                continuation.yield(.done(state))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                task.cancel()
            }
        }
    }
}

/// Yields a download's progress into its stream, and nothing else.
final class DownloadFeed: DownloadListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<DownloadEvent, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<DownloadEvent, Error>.Continuation) {
        self.continuation = continuation
    }

    func onProgress(received: UInt64, total: UInt64) {
        continuation.yield(.progress(received: received, total: total))
    }
}
