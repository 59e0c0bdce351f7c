package org.anochat.app;

import com.getcapacitor.BridgeActivity;

public class MainActivity extends BridgeActivity {}
