/**
 * The demo application zdd deploys: it reports its version and colour, has a switchable health
 * endpoint, slow and streaming endpoints for drain tests, and a Prometheus gauge of pending work
 * for the application-level drain gate. Run it as a task:
 *
 * <pre>
 * java -cp "deploy/target/zdd-deploy-VERSION.jar:deploy/target/lib/*" io.zdd.deploy.demoapp.DemoApp
 * </pre>
 */
package io.zdd.deploy.demoapp;
