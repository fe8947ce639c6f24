package dev.exstate.examples.springshop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.ApplicationPidFileWriter;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The demo's shop as a Spring Boot web application. All its state is outside the process, set up
 * by the exstate starter from {@code application.properties} alone: the cart in the
 * {@code HttpSession} (Redis), the flags in {@link ShopProperties} (etcd, rebound on change), the
 * report on one replica per tick ({@link ReportJob}, leases on Redis), the files on S3. Any
 * instance can serve any request.
 */
@SpringBootApplication
@EnableScheduling
@ConfigurationPropertiesScan
public class SpringShopApplication {

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(SpringShopApplication.class);
        // application.pid and application.port in the working directory, for process managers
        // (and the integration test, which starts instances on random ports)
        app.addListeners(new ApplicationPidFileWriter(), new WebServerPortFileWriter());
        app.run(args);
    }
}
