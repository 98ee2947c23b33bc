import SluiceOps
import Testing

@Suite struct OpsConfigurationTests {
    @Test func addressesDefaultToLoopback() {
        #expect(OpsConfiguration.parseAddress("127.0.0.1:9464")! == ("127.0.0.1", 9464))
        #expect(OpsConfiguration.parseAddress("0.0.0.0:80")! == ("0.0.0.0", 80))
        #expect(OpsConfiguration.parseAddress(":9464")! == ("127.0.0.1", 9464))
        #expect(OpsConfiguration.parseAddress("9464")! == ("127.0.0.1", 9464))
        #expect(OpsConfiguration.parseAddress("host:") == nil)
        #expect(OpsConfiguration.parseAddress("host:70000") == nil)
        #expect(OpsConfiguration().host == "127.0.0.1")
    }
}
