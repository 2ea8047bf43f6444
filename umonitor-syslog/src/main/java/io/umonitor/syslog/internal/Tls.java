package io.umonitor.syslog.internal;

import io.umonitor.api.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS contexts from the PEM files syslog servers use (certificate chain, PKCS#8 key, CA bundle). */
public final class Tls {
    private static final char[] NO_PASSWORD = new char[0];

    private Tls() {
    }

    /**
     * @param certificate PEM certificate chain, or null (no client certificate)
     * @param key PEM PKCS#8 private key of {@code certificate}
     * @param trusted PEM CA certificates to verify the peer with, or null (server: ask no client
     *     certificate; client: the JDK's default trust store)
     */
    public static SSLContext context(String setting, Path certificate, Path key, Path trusted) {
        try {
            KeyManagerFactory kmf = null;
            if (certificate != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("key", privateKey(key), NO_PASSWORD,
                        certificates(certificate).toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, NO_PASSWORD);
            }
            TrustManagerFactory tmf = null;
            if (trusted != null) {
                KeyStore cas = KeyStore.getInstance("PKCS12");
                cas.load(null, null);
                int i = 0;
                for (Certificate c : certificates(trusted)) {
                    cas.setCertificateEntry("ca" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(cas);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigurationException(setting + ": cannot build TLS from certificate " + certificate + ", key "
                    + key + ", CA " + trusted + ": " + e.getMessage() + ": give PEM files (the key in PKCS#8, "
                    + "'BEGIN PRIVATE KEY'; convert others with openssl pkcs8 -topk8 -nocrypt)", e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (all.isEmpty()) {
                throw new GeneralSecurityException(pem + " holds no certificate");
            }
            return all;
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(pem + " holds no PKCS#8 key ('-----BEGIN PRIVATE KEY-----')");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException(pem + " is no RSA, EC or EdDSA key: " + last.getMessage());
    }
}
