package dev.edgeflow.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The gateway file as Jackson binds it: every key of the format, nothing resolved yet. A key
 * that is not here is an unknown key; {@code null} means "not given".
 */
final class Model {
    private Model() {
    }

    record FileModel(String name, Map<String, ConnectorModel> sources, Map<String, ConnectorModel> sinks,
            List<RouteModel> routes, HttpModel http) {
    }

    record HttpModel(String host, Integer port, Boolean metrics, Boolean health, String sinkFailureThreshold) {
    }

    record ConnectorModel(String type, Map<String, JsonNode> options) {
    }

    record RouteModel(String name, String source, String topic, String sink, String targetTopicPrefix,
            RewriteModel rewrite, List<StageModel> stages, BufferModel buffer, Integer maxInFlight,
            String deadLetter) {
    }

    record RewriteModel(String from, String to, String fixed) {
    }

    record StageModel(FilterModel filter, AlertsModel alerts, BatchModel batch) {
    }

    record FilterModel(String topic, String excludeTopic, String hasField) {
    }

    record AlertsModel(String sink, String topic, Integer maxSeries, List<DetectorModel> detectors) {
    }

    record DetectorModel(String type, String field, Double min, Double max, Double maxChange, String per,
            Integer window, Integer warmUp, Double sensitivity, Double alpha) {
    }

    record BatchModel(Integer size, String linger) {
    }

    record BufferModel(String type, Integer size, String overflow, String directory, String maxBytes) {
    }
}
