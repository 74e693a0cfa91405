package dev.edgeflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class RecordingSubscriberTest {
    private static final Flow.Subscription NOTHING = new Flow.Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    @Test
    void recordsItemsAndTheTerminalSignal() {
        RecordingSubscriber<String> subscriber = RecordingSubscriber.recording();
        subscriber.onSubscribe(NOTHING);
        subscriber.onNext("a");
        subscriber.onNext("b");
        subscriber.onComplete();

        assertThat(subscriber.items()).containsExactly("a", "b");
        assertThat(subscriber.isCompleted()).isTrue();
        assertThat(subscriber.terminalSignals()).isEqualTo(1);
        assertThat(subscriber.violations()).isEmpty();
    }

    @Test
    void notesSignalsAfterATerminalSignalAndBeforeOnSubscribe() {
        RecordingSubscriber<String> subscriber = RecordingSubscriber.recording();
        subscriber.onNext("too early");
        subscriber.onSubscribe(NOTHING);
        subscriber.onError(new IllegalStateException("broken"));
        subscriber.onNext("too late");
        subscriber.onComplete();

        assertThat(subscriber.error()).containsInstanceOf(IllegalStateException.class);
        assertThat(subscriber.terminalSignals()).isEqualTo(2);
        assertThat(subscriber.violations()).hasSize(3)
                .anySatisfy(v -> assertThat(v).contains("before onSubscribe (rule 1.9)"))
                .anySatisfy(v -> assertThat(v).contains("onNext came after a terminal signal (rule 1.7)"))
                .anySatisfy(v -> assertThat(v).contains("onComplete came after a terminal signal (rule 1.7)"));
    }

    @Test
    void notesASecondOnSubscribeAndCancelsIt() {
        RecordingSubscriber<String> subscriber = RecordingSubscriber.recording();
        boolean[] cancelled = new boolean[1];
        subscriber.onSubscribe(NOTHING);
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
                cancelled[0] = true;
            }
        });

        assertThat(subscriber.violations()).singleElement().asString().contains("rule 2.5");
        assertThat(cancelled[0]).isTrue();
    }
}
