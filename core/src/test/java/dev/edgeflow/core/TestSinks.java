package dev.edgeflow.core;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Sinks made of one function, for tests that need a sink that behaves in one particular way. */
final class TestSinks {
    private TestSinks() {
    }

    static Sink of(String name, Function<Message, CompletionStage<Void>> send) {
        return new Sink() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletionStage<Void> send(Message message) {
                return send.apply(message);
            }

            @Override
            public void close() {
            }
        };
    }
}
