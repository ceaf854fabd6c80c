//! Rules written from the restore tools' own source rather than from logs: each message is the
//! literal a tool prints on one code path (the rule's `# source:` comment names the file), and
//! the family is what that code path can mean. Each test also holds a counter-case: a line of
//! the same wording from another code path, which must not be read the same way. Real excerpts
//! are from the tuned part of the corpus (`corpus/real/tuned/NNN.log`).

use crate::support::{answer, assert_decided, assert_not_decided_by};
use rd_logs::Family;

#[test]
fn a_failed_usb_upload_in_recovery_mode_is_usb() {
    // corpus/real/tuned/115.log (idevicerestore, iBEC sent in Recovery mode): the poster's
    // faulty cable; libirecovery's words for a bulk transfer that fell short.
    let log = "\
Sending iBEC (731057 bytes)...
ERROR: Unable to send iBEC component: Unable to upload data to device
ERROR: Unable to send iBEC to device.
";
    assert_decided(log, Family::Usb, "usb.irecv_transfer");
    // corpus/real/tuned/727.log (Legacy-iOS-Kit, iBSS sent in DFU mode): the same error from the
    // DFU state machine refusing a patched iBSS on a device not in pwned DFU (device_state).
    let dfu = "\
Sending iBSS (76056 bytes)...
ERROR: Unable to send iBSS component: Unable to upload data to device
ERROR: Unable to send iBSS to device
ERROR: Unable to place device into recovery mode from DFU mode
";
    assert_not_decided_by(dfu, "usb.irecv_transfer");
    assert_eq!(answer(dfu).family, Family::DeviceState);
}

#[test]
fn a_restore_mode_service_that_cannot_be_reached_is_usb() {
    // idevicerestore src/asr.c and src/restore.c: every connection attempt to ASR failed.
    let log = "\
Connecting to ASR on port 12345
ERROR: Unable to connect to ASR client
ERROR: Unable to connect to ASR
ERROR: Unable to restore device
";
    assert_decided(log, Family::Usb, "usb.restore_connect");
    // Connected, then ASR itself refused the filesystem: not a connection that failed.
    let validated = "\
Connected to ASR
ERROR: ASR was unable to validate the filesystem
ERROR: Unable to restore device
";
    assert_not_decided_by(validated, "usb.restore_connect");
}

#[test]
fn a_device_in_another_mode_than_the_options_need_is_device_state() {
    // futurerestore src/futurerestore.cpp: the mode check before the restore.
    let log = "\
futurerestore init done
ERROR: Device is in DFU mode detected, but we were expecting recovery mode!
Done: restoring failed!
";
    assert_decided(log, Family::DeviceState, "dev.wrong_mode");
    // The usage text that describes the modes is not a mode check.
    let usage = "-3, --use-pwndfu   Restoring devices with Odysseus method. Device needs to be in pwned DFU mode already\n[Error] Restoring failed\n";
    assert_not_decided_by(usage, "dev.wrong_mode");
}

#[test]
fn a_mode_the_device_never_reached_is_device_state() {
    // Legacy-iOS-Kit restore.sh: device_find_mode timing out, and a pwned-DFU entry that failed.
    for line in [
        "[Error] Failed to find device in DFU mode (Timed out). Please run the script again.",
        "[Error] Failed to send iBSS. Your device has likely failed to enter PWNED DFU mode.",
        "[Error] Device failed to enter pwned iBSS mode.",
    ] {
        assert_decided(
            &format!("[Log] Finding device in DFU mode...\n{line}\n"),
            Family::DeviceState,
            "dev.mode_not_reached",
        );
    }
    // idevicerestore's restore-mode wording is the boot chain, not a mode the user must reach.
    let restore_mode =
        "ERROR: Device failed to enter restore mode.\nERROR: Unable to restore device\n";
    assert_not_decided_by(restore_mode, "dev.mode_not_reached");
}

#[test]
fn a_signing_request_that_never_got_an_answer_is_network() {
    // libtatsu src/tss.c: no attempt brought back a STATUS=, so status stays -1.
    let log = "\
Sending TSS request attempt 15... failure
ERROR: TSS request failed: Recv failure: Connection was reset (status=-1)
ERROR: could not get TSS record data
";
    assert_decided(log, Family::Network, "net.tss_no_answer");
    // An answer with a status is Apple's word, not a lost connection.
    let refused = "\
TSS server returned: STATUS=94&MESSAGE=This device isn't eligible for the requested build.
ERROR: TSS request failed (status=94, message=This device isn't eligible for the requested build.)
";
    assert_eq!(answer(refused).family, Family::Signing);
}

#[test]
fn data_the_device_asked_for_that_could_not_be_sent_is_usb() {
    // idevicerestore src/restore.c: the prepared NOR data could not be sent to the device.
    let log = "\
About to send NORData...
Sending NORData now...
ERROR: Unable to send NORData
ERROR: Unable to restore device
";
    assert_decided(log, Family::Usb, "usb.restore_send");
    // The wrapper line of an older build follows any failure of the step (a ticket that could
    // not be built, too), so it alone is not the connection.
    let wrapper = "ERROR: Unable to send RootTicket\nERROR: Unable to restore device\n";
    assert_not_decided_by(wrapper, "usb.restore_send");
}

#[test]
fn an_operating_system_the_tool_refuses_is_software_version() {
    // Legacy-iOS-Kit restore.sh: the host version check at start.
    let log = "\
[Error] Your macOS version (10.10.5 - x86_64) is not supported.
* Supported macOS versions are 10.11 and newer.
";
    assert_decided(log, Family::SoftwareVersion, "ver.host_os_unsupported");
    // The banner naming the platform is not a refusal.
    let banner = "* Platform: macos (10.13.6)\n[Error] Restoring failed\n";
    assert_not_decided_by(banner, "ver.host_os_unsupported");
}

#[test]
fn the_factory_data_relay_failing_on_the_network_side_is_network() {
    // idevicerestore src/fdr.c: the socket the tool opens to Apple's FDR server for the device.
    let log = "\
ERROR: Sending proxy payload failed: Broken pipe. Sent 0 of 512 bytes.
ERROR: Unable to restore device
";
    assert_decided(log, Family::Network, "net.fdr_proxy");
    // The same words about the filesystem stream to the device are the USB side.
    let usb = "ERROR: Unable to send payload to ASR\nERROR: Unable to restore device\n";
    assert_eq!(answer(usb).family, Family::Usb);
}
