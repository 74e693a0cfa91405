/** Implementation of the Pub/Sub provider; not API, free to change. */
package dev.edgeflow.gcp.internal;
