package dev.edgeflow.pi4j;

import static com.pi4j.io.gpio.digital.DigitalState.HIGH;
import static com.pi4j.io.gpio.digital.DigitalState.LOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.pi4j.context.Context;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import dev.edgeflow.pi4j.DigitalInputWatcher.Pull;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debounce and listeners on Pi4J's mock platform, on virtual time: no test sleeps. */
class DigitalInputWatcherTest {
    private static final int PIN = 27;
    private static final Duration DEBOUNCE = Duration.ofMillis(50);

    private Context pi4j;
    private final ManualScheduler time = new ManualScheduler();
    private final List<InputEvent> events = new CopyOnWriteArrayList<>();
    private DigitalInputWatcher watcher;

    @BeforeEach
    void startPi4j() {
        pi4j = MockPi4j.context();
    }

    @AfterEach
    void stopPi4j() {
        if (watcher != null) {
            watcher.close();
        }
        pi4j.shutdown();
    }

    private MockDigitalInput open(DigitalInputWatcher.Builder builder) {
        watcher = builder.scheduler(time).clock(time.clock()).build();
        watcher.addListener(events::add);
        watcher.open(pi4j);
        return MockPi4j.input(pi4j, PIN);
    }

    private DigitalInputWatcher.Builder button() {
        return DigitalInputWatcher.builder().name("button").pin(PIN).debounce(DEBOUNCE);
    }

    @Test
    void reportsACleanEdgeOnceTheLevelHasStayedForTheDebounceTime() {
        MockDigitalInput pin = open(button());
        Instant edge = time.clock().instant();

        pin.mockState(HIGH);
        time.advance(DEBOUNCE.minusMillis(1));
        assertThat(events).as("events before the debounce time has passed").isEmpty();

        time.advance(Duration.ofMillis(1));
        assertThat(events).containsExactly(InputEvent.of("button", PIN, true, true, edge));
        assertThat(watcher.isActive()).isTrue();

        time.advance(Duration.ofSeconds(1));
        assertThat(events).as("events after the level stayed").hasSize(1);
    }

    @Test
    void reportsNothingForBouncesShorterThanTheDebounceTime() {
        MockDigitalInput pin = open(button());

        for (int i = 0; i < 5; i++) {
            pin.mockState(HIGH);
            time.advance(Duration.ofMillis(10));
            pin.mockState(LOW);
            time.advance(Duration.ofMillis(10));
        }
        time.advance(Duration.ofSeconds(1));

        assertThat(events).as("events from bounces that ended at the level they started from").isEmpty();
        assertThat(watcher.isActive()).isFalse();
        assertThat(time.pending()).as("debounce timers left").isZero();
    }

    @Test
    void reportsABouncingPressHeldLongEnoughExactlyOnceFromItsLastEdge() {
        MockDigitalInput pin = open(button());
        for (int i = 0; i < 3; i++) {
            pin.mockState(HIGH);
            time.advance(Duration.ofMillis(5));
            pin.mockState(LOW);
            time.advance(Duration.ofMillis(5));
        }
        Instant lastEdge = time.clock().instant();
        pin.mockState(HIGH);

        time.advance(DEBOUNCE.minusMillis(1));
        assertThat(events).isEmpty();
        time.advance(Duration.ofMillis(1));
        time.advance(Duration.ofSeconds(5));

        assertThat(events).containsExactly(InputEvent.of("button", PIN, true, true, lastEdge));
    }

    @Test
    void reportsPressAndReleaseAsTwoEvents() {
        MockDigitalInput pin = open(button());

        pin.mockState(HIGH);
        time.advance(DEBOUNCE);
        pin.mockState(LOW);
        time.advance(DEBOUNCE);

        assertThat(events).extracting(InputEvent::active).containsExactly(true, false);
        assertThat(watcher.isActive()).isFalse();
    }

    @Test
    void activeLowInvertsTheActiveFlagButNotTheLevel() {
        MockDigitalInput pin = open(button().pull(Pull.UP).activeLow(true));

        pin.mockState(HIGH); // released: the pull-up holds the pin high
        time.advance(DEBOUNCE);
        pin.mockState(LOW); // pressed: the button connects the pin to ground
        time.advance(DEBOUNCE);

        assertThat(events).extracting(InputEvent::active, InputEvent::high)
                .containsExactly(tuple(false, true),
                        tuple(true, false));
        assertThat(watcher.isActive()).isTrue();
    }

    @Test
    void withoutDebounceReportsEveryChangeAsAPirNeeds() {
        MockDigitalInput pin = open(DigitalInputWatcher.builder().name("pir").pin(PIN).debounce(Duration.ZERO));

        pin.mockState(HIGH);
        time.advance(Duration.ZERO);
        pin.mockState(LOW);
        time.advance(Duration.ZERO);

        assertThat(events).extracting(InputEvent::name, InputEvent::active)
                .containsExactly(tuple("pir", true),
                        tuple("pir", false));
    }

    @Test
    void takesTheLevelAtOpenAsItsStateWithoutAnEvent() {
        open(button().activeLow(true)); // the mock input starts low: pressed, for an active-low button

        time.advance(Duration.ofSeconds(1));

        assertThat(watcher.isActive()).isTrue();
        assertThat(events).isEmpty();
    }

    @Test
    void aRemovedListenerGetsNoMoreEvents() {
        MockDigitalInput pin = open(button());
        List<InputEvent> other = new CopyOnWriteArrayList<>();
        Consumer<InputEvent> listener = other::add;
        watcher.addListener(listener);

        pin.mockState(HIGH);
        time.advance(DEBOUNCE);
        assertThat(watcher.removeListener(listener)).isTrue();
        pin.mockState(LOW);
        time.advance(DEBOUNCE);

        assertThat(other).extracting(InputEvent::active).containsExactly(true);
        assertThat(events).as("events of the listener still registered").hasSize(2);
    }

    @Test
    void aListenerThatThrowsDoesNotKeepTheEventFromTheOthers() {
        watcher = button().scheduler(time).clock(time.clock()).build();
        watcher.addListener(e -> {
            throw new IllegalStateException("a listener's bug");
        });
        watcher.addListener(events::add);
        watcher.open(pi4j);

        MockPi4j.input(pi4j, PIN).mockState(HIGH);
        time.advance(DEBOUNCE);

        assertThat(events).hasSize(1);
    }

    @Test
    void closeStopsEventsCancelsAPendingChangeAndReleasesThePin() {
        MockDigitalInput pin = open(button());
        pin.mockState(HIGH);

        watcher.close();
        watcher.close();
        pin.mockState(LOW);
        pin.mockState(HIGH);
        time.advance(Duration.ofSeconds(1));

        assertThat(events).as("events after close").isEmpty();
        assertThat(pi4j.registry().all()).as("Pi4J I/O left open").isEmpty();
    }

    @Test
    void callsListenersOnItsOwnThreadWithTheDefaultScheduler() {
        watcher = DigitalInputWatcher.builder().name("button").pin(PIN).debounce(Duration.ofMillis(20)).build();
        List<String> threads = new CopyOnWriteArrayList<>();
        watcher.addListener(e -> {
            threads.add(Thread.currentThread().getName());
            events.add(e);
        });
        watcher.open(pi4j);

        MockPi4j.input(pi4j, PIN).mockState(HIGH);

        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
        assertThat(events.get(0).active()).isTrue();
        assertThat(threads).containsExactly("edgeflow-input-button");
    }

    @Test
    void refusesToOpenTwiceAndAfterClose() {
        open(button());

        assertThatThrownBy(() -> watcher.open(pi4j)).isInstanceOf(IllegalStateException.class)
                .hasMessage("input 'button' (pin 27) is already open");
        watcher.close();
        assertThatThrownBy(() -> watcher.open(pi4j)).isInstanceOf(IllegalStateException.class)
                .hasMessage("input 'button' (pin 27) is closed; build a new watcher");
    }

    @Test
    void failsToOpenAPinThatIsAlreadyInUseWithTheReason() {
        open(button());
        DigitalInputWatcher second = DigitalInputWatcher.builder().name("door").pin(PIN).build();

        assertThatThrownBy(() -> second.open(pi4j)).isInstanceOf(SensorException.class)
                .hasMessageStartingWith("cannot open input 'door' on GPIO 27 with provider mock-digital-input: ")
                .hasMessageContaining("gpio group")
                .satisfies(e -> assertThat(((SensorException) e).isRetryable()).isFalse());
        second.close();
    }

    @Test
    void rejectsAMissingNameOrPinWithTheFix() {
        assertThatThrownBy(() -> DigitalInputWatcher.builder().pin(4).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input name is missing: name it, such as name(\"button\")");
        assertThatThrownBy(() -> DigitalInputWatcher.builder().name("pir").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input 'pir' has no pin: set pin(bcm) to its GPIO number, such as pin(17)");
        assertThatThrownBy(() -> DigitalInputWatcher.builder().name("pir").pin(4).debounce(Duration.ofMillis(-1))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input 'pir' has debounce PT-0.001S: use Duration.ZERO or more");
    }
}
